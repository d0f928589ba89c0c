"""Settings read from HEARTH_* environment variables."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Literal
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")


def _default_secret() -> str:
    """Read var/secret_key, creating it once, so a fresh install needs no configuration."""
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


class Settings(BaseSettings):
    """Every knob of a Hearth install; each field is documented in the README."""

    model_config = SettingsConfigDict(env_prefix="HEARTH_", extra="ignore")

    database_url: str = Field(
        "sqlite:///./var/hearth.db",
        description="SQLAlchemy URL; postgresql+psycopg://user@host/db for PostgreSQL.",
    )
    secret_key: str = Field(
        default_factory=_default_secret,
        description="Signs cookies and tokens. Defaults to a random key kept in var/secret_key.",
    )
    site_name: str = Field("Hearth", description="Name shown in the header and e-mails.")
    base_url: str = Field(
        "http://127.0.0.1:8000", description="Public URL, used for links in e-mails."
    )
    cookie_secure: bool = Field(
        False, description="Send the session cookie only over HTTPS (set true behind TLS)."
    )
    session_days: int = Field(30, description="Days a login session stays valid.")
    max_body_bytes: int = Field(
        2 * 1024 * 1024,
        description="Largest request body accepted, in bytes; larger requests get 413 before they are read.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="IPs or CIDR ranges of reverse proxies whose X-Forwarded-For is trusted.",
    )
    upload_dir: str = Field("var/uploads", description="Folder where uploaded images are stored (content-addressed names).")
    upload_max_file_bytes: int = Field(5 * 1024 * 1024, description="Largest image file a member may upload, in bytes.")
    upload_max_pixels: int = Field(
        40_000_000, description="Most pixels (width x height) an uploaded image may have; larger ones are refused before decoding."
    )
    upload_max_files_per_form: int = Field(4, description="Images one post form may carry when sent without JavaScript.")
    upload_thumbnail_edge: int = Field(1024, description="Images wider or taller than this (pixels) get a thumbnail of this size shown in posts.")
    upload_member_daily_count: int = Field(50, description="Images one member may upload per 24 hours.")
    upload_member_daily_bytes: int = Field(40 * 1024 * 1024, description="Bytes of images one member may upload per 24 hours.")
    upload_member_total_bytes: int = Field(500 * 1024 * 1024, description="Bytes of images one member may keep in total.")
    upload_site_total_bytes: int = Field(20 * 1024 * 1024 * 1024, description="Bytes of images the whole site may keep.")
    upload_orphan_hours: int = Field(24, description="Hours after which an upload no post and no profile uses is removed by the worker.")
    default_locale: str = Field("en", description="Interface language when nothing else decides.")

    password_min_length: int = Field(10, description="Minimum password length in characters.")
    password_max_bytes: int = Field(1024, description="Longer passwords are refused unhashed.")
    argon2_memory_kib: int = Field(19456, description="argon2id memory cost (OWASP: 19 MiB).")
    argon2_time_cost: int = Field(2, description="argon2id iterations (OWASP: 2).")

    login_ip_per_minute: int = Field(6, description="Failed logins allowed per IP per minute.")
    login_ip_per_hour: int = Field(30, description="Failed logins allowed per IP per hour.")
    login_account_failures: int = Field(
        10, description="Failed logins for one account from one network (IPv4 /24, IPv6 /64) before a back-off starts there."
    )
    login_account_window_minutes: int = Field(
        15, description="Window (minutes) for the per-account login back-off."
    )
    login_account_all_networks_failures: int = Field(
        100,
        description="Failed logins for one account from all networks within the window after which only networks it logged in from before may try.",
    )
    login_known_network_days: int = Field(
        90, description="Days a network where an account logged in counts as the owner's own."
    )
    login_link_minutes: int = Field(15, description="Minutes a one-time login link sent by e-mail stays valid.")
    reset_per_address_per_hour: int = Field(
        3, description="Password-reset and login-link e-mails one address may be sent per hour."
    )
    reset_per_ip_per_hour: int = Field(
        10, description="Password-reset and login-link e-mails one IP may ask for per hour."
    )
    reset_token_hours: int = Field(2, description="Hours a password-reset link stays valid.")
    verify_token_days: int = Field(7, description="Days an e-mail verification link stays valid.")

    mail_from: str = Field("Hearth <noreply@localhost>", description="Sender of outgoing e-mail.")
    edit_grace_seconds: int = Field(
        300, description="Seconds after posting in which an author's edits create no revision."
    )

    new_member_hours: int = Field(24, description="Accounts younger than this many hours get the new-member limits.")
    new_member_topics_per_day: int = Field(3, description="Topics a new member may start per 24 hours.")
    new_member_replies_per_day: int = Field(10, description="Replies a new member may write per 24 hours.")
    post_rate_count: int = Field(5, description="Posts any member may write within post_rate_seconds.")
    post_rate_seconds: int = Field(60, description="Window (seconds) of the posting rate limit.")

    # karma (issue 4): votes, ledger rules, cap, anti-gaming, badges, levels
    vote_min_karma_to_downvote: int = Field(50, description="Karma a member needs before they may downvote.")
    vote_daily_limit: int = Field(100, description="Votes a member may cast or change per 24 hours.")
    karma_upvote_answer: int = Field(10, description="Karma to the author for an upvote on a reply/answer.")
    karma_upvote_question: int = Field(5, description="Karma to the author for an upvote on a topic's first post.")
    karma_downvote_received: int = Field(-2, description="Karma to the author for a downvote on their post.")
    karma_downvote_cast: int = Field(-1, description="Karma to the voter for downvoting an answer (questions are free).")
    karma_accepted_answer: int = Field(15, description="Karma to the author of an accepted answer.")
    karma_accepted_asker: int = Field(2, description="Karma to the asker for accepting someone else's answer.")
    karma_flag_agreed: int = Field(2, description="Karma to a member whose flag moderators agreed with.")
    karma_idea_shipped: int = Field(20, description="Karma to the author of an idea that shipped.")
    karma_daily_vote_cap: int = Field(200, description="Most karma a member can gain from votes per UTC day.")
    karma_serial_votes: int = Field(10, description="Votes from one member to another's posts that count as serial voting.")
    karma_serial_hours: int = Field(24, description="Window (hours) in which karma_serial_votes count as serial voting.")
    karma_fraud_window_days: int = Field(30, description="Days of votes the anti-gaming job examines.")
    karma_ring_min_edge_votes: int = Field(3, description="Upvotes from one member to another that make a ring edge.")
    karma_ring_min_share: float = Field(0.6, description="Share of each ring member's upvotes given that go to the ring.")
    karma_ring_min_received_share: float = Field(
        0.3, description="Share of each ring member's upvotes received that come from the ring."
    )
    karma_ring_max_size: int = Field(5, description="Largest group of accounts treated as a voting ring.")
    karma_badge_accepted_tiers: list[int] = Field(
        default_factory=lambda: [1, 10, 50], description="Accepted-answer counts that earn a badge."
    )
    karma_badge_visit_streak_days: int = Field(100, description="Consecutive visit days that earn the streak badge.")
    karma_level_thresholds: list[int] = Field(
        default_factory=lambda: [0, 50, 200, 1000, 5000],
        description="Karma at which levels 1..5 (newcomer, member, regular, trusted, pillar) start.",
    )
    leaderboard_size: int = Field(50, description="Members shown on a leaderboard.")

    # ambassadors (issue 7): signals, scoring, journey stages
    ambassador_window_days: int = Field(90, description="Recent window (days) of the ambassador signals.")
    ambassador_horizon_days: int = Field(60, description="Days after each training cutoff whose activity labels it.")
    ambassador_training_cutoffs: int = Field(6, description="Past cutoffs (one horizon apart) the scoring model learns from.")
    ambassador_min_positive: int = Field(10, description="Members with a positive label needed before a profile is learned instead of using default weights.")
    ambassador_concentration_share: float = Field(0.7, description="Share of upvotes from a member's top 3 voters above which the score is lowered.")
    ambassador_candidates_shown: int = Field(50, description="Candidates listed per role profile.")
    journey_regular_days: int = Field(8, description="Visit days within journey_regular_window_days that make a member a Regular.")
    journey_regular_window_days: int = Field(30, description="Window (days) for the Regular stage.")
    journey_helper_answers: int = Field(3, description="Answers to other members' questions a Helper has written (one of them accepted).")
    journey_advocate_score: float = Field(75.0, description="Helper or ambassador score an Advocate holds.")
    journey_advocate_days: int = Field(60, description="Days an Advocate's score has stayed at journey_advocate_score.")

    # invitations and roles (issue 8)
    invitation_expiry_days: int = Field(30, description="Days an invitation into a role or labs stays open.")
    invitation_decline_cooldown_days: int = Field(90, description="Days after a decline before the member may be invited into the same role again.")
    invitation_daily_limit: int = Field(20, description="Invitations one manager may send per 24 hours.")
    candidate_snooze_days: int = Field(60, description="Days a snoozed candidate stays hidden from the candidate list.")
    role_quiet_days: int = Field(60, description="Days without a visit after which a role holder is listed for review.")
    decisions_min_count: int = Field(30, description="Decisions (accepted/declined invitations, dismissals) a profile needs before scoring learns from them.")

    # ideas (issue 5)
    idea_vote_budget: int = Field(10, description="Active idea votes a member may hold; votes on shipped or declined ideas come back.")
    idea_trending_days: int = Field(30, description="Days of votes the 'trending' idea order counts.")

    # mail delivery, digest and re-engagement (issue 8)
    smtp_host: str = Field("", description="SMTP server that sends the outbox; empty means the worker leaves mail queued.")
    smtp_port: int = Field(587, description="SMTP port (25, 587 for STARTTLS, 465 for implicit TLS).")
    smtp_tls: Literal["none", "starttls", "ssl"] = Field("starttls", description="SMTP transport security: none, starttls or ssl.")
    smtp_user: str = Field("", description="SMTP login name (empty: no authentication).")
    smtp_password: str = Field("", description="SMTP password; never written to logs or the database.")
    smtp_ca_file: str = Field("", description="PEM file of CA certificates trusted for SMTP TLS (empty: the system's).")
    smtp_timeout_seconds: int = Field(30, description="Seconds before an SMTP connection or command times out.")
    mail_batch_size: int = Field(100, description="Messages one worker pass claims and sends at most.")
    mail_retry_minutes: list[int] = Field(
        default_factory=lambda: [5, 30, 120, 720, 1440],
        description="Waits (minutes) before each retry after a temporary failure; when they run out the message fails.",
    )
    digest_absent_days: int = Field(7, description="Days without a visit after which a member may get the weekly digest.")
    digest_topics: int = Field(8, description="Popular topics listed in a digest.")
    digest_max_absent_days: int = Field(180, description="Members away longer than this get no digest (they get re-engagement instead).")
    reengage_quiet_days: int = Field(30, description="Days without a visit that put a member on the re-engagement page.")
    reengage_champion_min_days: int = Field(7, description="Quiet days from which a top helper counts as a lapsed champion.")
    reengage_champion_max_days: int = Field(90, description="Quiet days up to which a top helper counts as a lapsed champion.")
    reengage_spacing_days: int = Field(30, description="Days that must pass between two nudges to the same member.")
    reengage_max_unanswered: int = Field(3, description="Nudges without a visit after them that end nudging a member.")
    reengage_return_days: int = Field(14, description="Days after a nudge in which a visit counts as a return.")
    reengage_listed: int = Field(100, description="Members listed on the re-engagement page.")
    reengage_auto_per_run: int = Field(20, description="Automatic nudges the worker sends per run at most.")

    # single sign-on with OpenID Connect (issue 16)
    oidc_issuer: str = Field("", description="OpenID Connect issuer URL (its /.well-known/openid-configuration is read); empty turns single sign-on off.")
    oidc_client_id: str = Field("", description="Client id Hearth is registered under at the provider.")
    oidc_client_secret: str = Field("", description="Client secret for the provider's token endpoint; never written to logs or pages.")
    oidc_provider_name: str = Field("", description="Name on the log-in button, e.g. the company's name (empty: 'single sign-on').")
    oidc_scopes: str = Field("openid email profile", description="Scopes asked for; add the scope that carries the group claim if the provider needs one (e.g. groups).")
    oidc_only: bool = Field(False, description="SSO only: hide the password form and refuse password log-in, log-in links, password resets and sign-up.")
    oidc_group_claim: str = Field("groups", description="Claim (from the ID token or userinfo) that lists the member's groups at the provider.")
    oidc_group_map: dict[str, str] = Field(
        default_factory=dict,
        description='Provider group -> Hearth group, as JSON, e.g. {"beta": "labs"}; granted at each SSO log-in and removed when the claim no longer has it (only grants made by SSO).',
    )
    oidc_timeout_seconds: int = Field(10, description="Seconds before a request to the provider times out.")

    # webhooks (issue 16)
    webhook_allow_private: bool = Field(
        False, description="Allow webhook URLs whose host resolves to a private, loopback or link-local address (off: such deliveries are refused)."
    )
    webhook_timeout_seconds: int = Field(10, description="Seconds a webhook endpoint has to answer.")
    webhook_retry_minutes: list[int] = Field(
        default_factory=lambda: [1, 5, 30, 120, 720],
        description="Waits (minutes) before each retry after a failed delivery (non-2xx or no answer); when they run out it fails.",
    )
    webhook_batch_size: int = Field(50, description="Deliveries one worker pass sends at most.")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
