"""Ambassador detection: signals, learned scoring per role, explanations, journey stages, backtest."""
