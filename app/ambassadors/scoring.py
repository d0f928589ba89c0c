"""Per-profile scoring models: the only module that imports scikit-learn and NumPy.

Each profile (helper, moderator, ambassador, labs) is a monotone scaling of every non-penalty
signal (oriented so that higher is always better) followed by a linear model with NON-NEGATIVE
coefficients, trained on the community's own history: snapshots at past cutoffs labelled with
what each member did in the horizon after it. Learned profiles scale signals by a signed log
(log1p of the magnitude): unlike quantile scaling it keeps the gap between a member with 10
answers and one with 60, which is exactly what ranking the very top needs. Non-negative weights on
monotone features make the score monotone: more of a good signal never lowers a score, other
things equal. When history is too short (fewer than `min_positive` members with a positive
label), the documented DEFAULT_WEIGHTS are used on quantile-scaled signals instead (scale-free, so
the weights read as shares) and the run records so. Penalties (vote concentration, reversed karma,
upheld flags, suspensions) are never learned away: they subtract stated points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import FunctionTransformer, QuantileTransformer

from app.ambassadors.signals import FEATURES, LOWER_IS_BETTER, SIGNAL_BY_NAME, SIGNALS

MODEL_VERSION = "signed-log-positive-linear/2"
RANDOM_STATE = 0
FEATURE_COLUMNS = [i for i, s in enumerate(SIGNALS) if s.name in FEATURES]

# Used when a profile has too little history to learn from. Read as "how many points of the
# profile this signal is worth"; they are normalised to sum to 1.
DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "helper": {
        "answers": 3, "accepted": 3, "members_helped": 2, "first_responses": 1, "votes_per_post": 1,
        "accepted_all": 1, "days_visited": 1, "response_hours": 0.5, "trend": 0.5,
    },
    "moderator": {
        "flags_agreed": 3, "edits_of_others": 3, "days_visited": 2, "longest_streak": 1, "tenure_days": 1,
        "replies": 1, "votes_given": 1, "net_score": 1,
    },
    "ambassador": {
        "members_helped": 3, "answers": 2, "members_voted": 1, "topics": 1, "days_visited": 1,
        "tenure_days": 1, "accepted_all": 1, "current_streak": 0.5, "ideas_proposed": 1,
    },
    "labs": {
        "ideas_proposed": 3, "ideas_shipped": 2, "idea_votes_received": 2, "idea_votes_cast": 2, "topics": 1,
        "replies": 1, "days_visited": 1,
    },
}


def _orientation() -> np.ndarray:
    return np.array([-1.0 if SIGNAL_BY_NAME[name].kind == LOWER_IS_BETTER else 1.0 for name in FEATURES])


def feature_array(rows: list[dict[str, float]]) -> np.ndarray:
    """The model's input: one row per member, one column per non-penalty signal, higher is better."""
    if not rows:
        return np.zeros((0, len(FEATURES)))
    raw = np.array([[row.get(name, 0.0) for name in FEATURES] for row in rows], dtype=float)
    return raw * _orientation()


def features_of(matrix: np.ndarray) -> np.ndarray:
    """The model's input from a snapshot matrix (columns in SIGNALS order), higher is better."""
    return matrix[:, FEATURE_COLUMNS] * _orientation()


def as_targets(values: list[float]) -> np.ndarray:
    """Labels as the array the models learn from."""
    return np.asarray(values, dtype=float)


def signed_log(data: np.ndarray) -> np.ndarray:
    """sign(x) * log(1 + |x|): monotone, keeps magnitudes, tames long tails."""
    return np.sign(data) * np.log1p(np.abs(data))


def _log_scaler() -> FunctionTransformer:
    return FunctionTransformer(signed_log, validate=False).fit(np.zeros((1, len(FEATURES))))


def _transformer(data: np.ndarray) -> QuantileTransformer:
    data = data if len(data) else np.zeros((1, len(FEATURES)))
    transformer = QuantileTransformer(
        n_quantiles=min(200, len(data)), output_distribution="uniform", subsample=100_000, random_state=RANDOM_STATE,
    )
    return transformer.fit(data)


@dataclass
class ProfileModel:
    """A fitted profile: quantile scaling plus non-negative linear weights."""

    profile: str
    transformer: QuantileTransformer | FunctionTransformer
    coef: np.ndarray
    intercept: float
    trained: bool
    training_rows: int = 0
    positives: int = 0
    medians: np.ndarray = field(default_factory=lambda: np.zeros(len(FEATURES)))
    source: str = ""  # "learned", "default" or "prior" (weights fitted across communities, see prior.py)

    def __post_init__(self):
        if not self.source:
            self.source = "learned" if self.trained else "default"

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Raw model output (only its order and spread matter)."""
        if not len(features):
            return np.zeros(0)
        return self.intercept + self.transformer.transform(features) @ self.coef

    def contributions(self, features: np.ndarray) -> np.ndarray:
        """Each signal's push on each member's raw output, against a member at the community median."""
        if not len(features):
            return np.zeros((0, len(FEATURES)))
        scaled = self.transformer.transform(features)
        return (scaled - np.median(scaled, axis=0)) * self.coef

    def weights(self) -> dict[str, float]:
        """The readable coefficients by signal name (zero weights left out)."""
        return {name: round(float(w), 4) for name, w in zip(FEATURES, self.coef) if w > 0}


def default_model(profile: str, current: np.ndarray) -> ProfileModel:
    """The documented default weights, with quantiles taken from today's community."""
    weights = DEFAULT_WEIGHTS[profile]
    total = sum(weights.values())
    coef = np.array([weights.get(name, 0.0) / total for name in FEATURES])
    return ProfileModel(profile, _transformer(current), coef, 0.0, trained=False)


def prior_model(profile: str, weights: dict[str, float]) -> ProfileModel:
    """A profile that ranks by weights fitted across communities (signed-log scaled signals)."""
    coef = np.array([float(weights.get(name, 0.0)) for name in FEATURES])
    return ProfileModel(profile, _log_scaler(), coef, 0.0, trained=False, source="prior")


def fit_prior(features: np.ndarray, labels: np.ndarray, names) -> dict[str, float]:
    """Non-negative weights on the signed-log signals `names` for log(1 + label), pooled over communities."""
    columns = [FEATURES.index(name) for name in names]
    coef, _intercept = _non_negative_fit(signed_log(features[:, columns]), np.log1p(labels))
    return {name: round(float(w), 6) for name, w in zip(names, coef) if w > 0}


def fit_profile(profile: str, train_x: np.ndarray, train_y: np.ndarray | None, current: np.ndarray, min_positive: int) -> ProfileModel:
    """Learn a profile from labelled history, or fall back to default weights when it is too short."""
    positives = int(np.sum(train_y > 0)) if train_y is not None and len(train_y) else 0
    if train_y is None or positives < min_positive:
        model = default_model(profile, current)
        model.training_rows, model.positives = len(train_x), positives
        return model
    transformer = _log_scaler()
    coef, intercept = _non_negative_fit(transformer.transform(train_x), np.log1p(train_y))
    if not np.any(coef > 0):
        model = default_model(profile, current)
        model.training_rows, model.positives = len(train_x), positives
        return model
    return ProfileModel(
        profile, transformer, coef, intercept, trained=True,
        training_rows=len(train_x), positives=positives,
    )


def _non_negative_fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least squares with an intercept and non-negative weights, solved on the QR-reduced system.

    With centred data Xc = QR, |Xc w - yc|^2 = |R w - Q'yc|^2 + a constant, so the non-negative
    fit of the small (features x features) system has exactly the solution of the full one, at a
    fraction of the cost on hundreds of thousands of training rows. (Reducing through the
    eigenvectors of Xc'Xc instead was tried: where signals move together the optimum is not
    unique, and it picked a different optimum than the full problem does.)
    """
    x_mean, y_mean = x.mean(axis=0), float(y.mean())
    # Q itself (as tall as the data) is never formed: the R of [Xc | yc] holds R in its first
    # columns and Q'yc in its last, as Householder QR treats the columns left to right.
    augmented = np.linalg.qr(np.column_stack((x - x_mean, y - y_mean)), mode="r")
    width = x.shape[1]
    regression = LinearRegression(positive=True, fit_intercept=False).fit(augmented[:width, :width], augmented[:width, width])
    coef = regression.coef_.astype(float)
    return coef, y_mean - float(x_mean @ coef)


def column_medians(matrix: np.ndarray) -> list[float]:
    """Each column's median (0 for an empty community), for explanations."""
    return np.median(matrix, axis=0).tolist() if len(matrix) else [0.0] * matrix.shape[1]


def to_0_100(raw: np.ndarray) -> np.ndarray:
    """Scale raw outputs to 0-100 within the community (the best member gets 100)."""
    if not len(raw):
        return raw
    low, high = float(np.min(raw)), float(np.max(raw))
    if high - low < 1e-12:
        return np.zeros_like(raw)
    return (raw - low) / (high - low) * 100.0


@dataclass
class DecisionFit:
    """What learning from managers' decisions found for one profile (see ambassadors/decisions.py).

    base_auc: how well the history-trained score alone ranks accepted above declined/dismissed;
    cv_auc: the decision model's cross-validated quality; blended_auc: the cross-validated quality
    of the score blended half-and-half with the decision model. `scores` (0-100, before penalties)
    is set only when the blend improved on the score alone.
    """

    base_auc: float
    cv_auc: float
    blended_auc: float
    folds: int
    improved: bool
    scores: np.ndarray | None = None


def _percentile_in(reference: np.ndarray, values: np.ndarray) -> np.ndarray:
    ordered = np.sort(reference)
    return np.searchsorted(ordered, values, side="right") / max(1, len(ordered))


def learn_from_decisions(train_x: np.ndarray, labels: np.ndarray, base: ProfileModel, current: np.ndarray) -> DecisionFit | None:
    """Fit accepted (1) vs declined/dismissed (0) on the members' signals when they were decided.

    Returns None when both outcomes do not occur at least twice (nothing to cross-validate).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    labels = np.asarray(labels, dtype=int)
    minority = int(min(np.sum(labels == 1), np.sum(labels == 0)))
    if minority < 2:
        return None
    folds = min(5, minority)
    current_raw = base.predict(current)
    base_train = _percentile_in(current_raw, base.predict(train_x))
    features = signed_log(train_x)
    model = LogisticRegression(max_iter=1000, random_state=RANDOM_STATE)
    cv_prob = cross_val_predict(model, features, labels, method="predict_proba",
                                cv=StratifiedKFold(folds, shuffle=True, random_state=RANDOM_STATE))[:, 1]
    base_auc = float(roc_auc_score(labels, base_train))
    cv_auc = float(roc_auc_score(labels, cv_prob))
    blended_auc = float(roc_auc_score(labels, 0.5 * base_train + 0.5 * cv_prob))
    fit = DecisionFit(round(base_auc, 4), round(cv_auc, 4), round(blended_auc, 4), folds, blended_auc > base_auc + 1e-9)
    if fit.improved and len(current):
        model.fit(features, labels)
        blended = 0.5 * _percentile_in(current_raw, current_raw) + 0.5 * model.predict_proba(signed_log(current))[:, 1]
        fit.scores = to_0_100(blended)
    return fit
