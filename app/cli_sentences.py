"""What the CLI's jobs did, in sentences a community manager reads (the --json options give the data)."""

from __future__ import annotations


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def karma_sentence(summary: dict) -> str:
    """What a karma job run did, in words a community manager reads."""
    rings = summary["rings"]
    ring_part = _count(len(rings), "voting ring", "voting rings")
    if rings:
        ring_part += " (" + ", ".join(_count(len(ring), "account", "accounts") for ring in rings) + ")"
    return (
        f"Karma job run {summary['job_run_id']} examined {_count(summary['votes_examined'], 'vote', 'votes')} "
        f"and found {_count(summary['serial_pairs'], 'serial-voting pair', 'serial-voting pairs')} and {ring_part}. "
        f"It raised {_count(summary['flags'], 'flag', 'flags')} for moderators, reversed "
        f"{summary['karma_reversed']:,} karma ({_count(summary['entries_reversed'], 'ledger entry', 'ledger entries')}) "
        f"and awarded {_count(summary['badges_awarded'], 'badge', 'badges')}."
    )


def _figures(summary) -> str:
    if not isinstance(summary, dict) or not summary:
        return "nothing to do"
    parts = []
    for key, value in summary.items():
        if isinstance(value, (list, dict)):
            value = len(value)
        parts.append(f"{key.replace('_', ' ')} {value:,}" if isinstance(value, int) else f"{key.replace('_', ' ')} {value}")
    return ", ".join(parts)


def worker_sentence(summary: dict) -> str:
    """What one worker pass did, in words."""
    jobs = summary.get("jobs", {})
    mail = summary.get("mail", {})
    job_part = ("Ran " + "; ".join(f"{name} ({_figures(result)})" for name, result in jobs.items()) + "."
                if jobs else "No job was due.")
    return (
        f"{job_part} E-mail: {mail.get('sent', 0):,} sent, {mail.get('retrying', 0):,} waiting to retry, "
        f"{mail.get('failed', 0):,} failed, {mail.get('skipped', 0):,} skipped."
        + _webhook_part(summary.get("webhooks", {}))
    )


def _webhook_part(hooks: dict) -> str:
    if "error" in hooks:
        return f" Webhooks: {hooks['error']}"
    if not any(hooks.values()):
        return ""
    return (f" Webhooks: {hooks.get('delivered', 0):,} delivered, {hooks.get('retrying', 0):,} waiting to retry, "
            f"{hooks.get('failed', 0):,} failed.")
