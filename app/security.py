"""Password hashing and policy, signed cookies and one-time tokens, hashing of secrets and IPs."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app.config import Settings
from app.i18n import N_, Msg


@lru_cache(maxsize=4)
def _crypt_context(memory_kib: int, time_cost: int):
    from passlib.context import CryptContext  # loaded by the first log-in, not by every page

    return CryptContext(
        schemes=["argon2"],
        argon2__type="ID",
        argon2__memory_cost=memory_kib,
        argon2__rounds=time_cost,
        argon2__parallelism=1,
    )


def password_context(settings: Settings):
    """The argon2id context configured by settings (OWASP baseline by default)."""
    return _crypt_context(settings.argon2_memory_kib, settings.argon2_time_cost)


def hash_password(settings: Settings, password: str) -> str:
    """Hash a password with argon2id."""
    return password_context(settings).hash(password)


def verify_password(settings: Settings, password: str, password_hash: str | None) -> bool:
    """Check a password; an unknown account still pays for one hash so timing reveals nothing."""
    context = password_context(settings)
    if len(password.encode()) > settings.password_max_bytes:
        return False
    if not password_hash:
        context.dummy_verify()
        return False
    try:
        return context.verify(password, password_hash)
    except (ValueError, TypeError):
        return False


def unusable_password_hash() -> str:
    """A stored value no password can match (imported or external accounts)."""
    return "!" + secrets.token_hex(16)


def password_problem(settings: Settings, password: str, *, user_inputs=()) -> str | None:
    """Return why a new password is refused, or None when it is acceptable."""
    if len(password.encode()) > settings.password_max_bytes:
        return Msg("Passwords can be at most %(n)s bytes long.", n=settings.password_max_bytes)
    if len(password) < settings.password_min_length:
        return Msg("Use at least %(n)s characters.", n=settings.password_min_length)
    if _is_easily_guessed(password, tuple(u for u in user_inputs if u)):
        return N_("This password is too common or too easy to guess; try a longer phrase.")
    return None


def _is_easily_guessed(password: str, user_inputs: tuple[str, ...]) -> bool:
    from zxcvbn import zxcvbn  # loads its word lists on first use only

    # zxcvbn's cost grows with length (and it refuses more than max_length characters);
    # a 1 KiB passphrase is not guessable anyway, so only its start is judged.
    result = zxcvbn(password[:128], user_inputs=list(user_inputs), max_length=128)
    return result["score"] < 2


def new_token(nbytes: int = 32) -> str:
    """A random URL-safe secret."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """SHA-256 of a high-entropy secret (API and session tokens are stored only like this)."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_ip(settings: Settings, ip: str) -> str:
    """Keyed hash of an IP address: countable for throttling, not reversible from a dump."""
    return hmac.new(settings.secret_key.encode(), ip.encode(), hashlib.sha256).hexdigest()[:32]


def _timestamp_signer_at(now: datetime) -> type[TimestampSigner]:
    class _SignerAt(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(now.timestamp())

    return _SignerAt


def signer(settings: Settings, purpose: str, now: datetime | None = None) -> URLSafeTimedSerializer:
    """A serializer whose signatures are valid only for one purpose.

    With `now`, token ages are measured on the caller's clock (time is a parameter, DESIGN §3.6).
    """
    extra = {"signer": _timestamp_signer_at(now)} if now is not None else {}
    return URLSafeTimedSerializer(settings.secret_key, salt=f"hearth.{purpose}", **extra)


def sign(settings: Settings, purpose: str, payload, now: datetime | None = None) -> str:
    """Sign a JSON-able payload for one purpose (stamped with `now` when given)."""
    return signer(settings, purpose, now).dumps(payload)


def unsign(settings: Settings, purpose: str, token: str, max_age_seconds: int, now: datetime | None = None):
    """Return the payload of a valid token not older than max_age_seconds at `now`, else None."""
    try:
        return signer(settings, purpose, now).loads(token, max_age=max_age_seconds)
    except (BadSignature, SignatureExpired):
        return None


def constant_time_equals(a: str, b: str) -> bool:
    """Compare secrets without leaking their prefix through timing."""
    return hmac.compare_digest(a.encode(), b.encode())
