"""Single sign-on with OpenID Connect: the authorization code flow with PKCE, state and nonce.

Authlib's OAuth2 client builds the authorization URL (S256 code challenge) and exchanges the code;
joserfc (Authlib's JOSE library) checks the ID token's signature against the provider's keys and
its issuer, audience, expiry and nonce. Linking accounts is in `sso_accounts.py`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.config import Settings
from app.errors import AppError
from app.i18n import N_
from app.security import constant_time_equals

# A login must come back from the provider within this time; a stale state is refused.
PENDING_LIFETIME = timedelta(minutes=10)
METADATA_SECONDS = 3600
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
_metadata: dict[str, tuple[float, dict, dict]] = {}
_metadata_lock = threading.Lock()


class SsoFailed(AppError):
    """Single sign-on could not log this browser in; the message says what to do."""

    status_code = 400


@dataclass(frozen=True)
class SsoClaims:
    """What the provider vouched for about the person signing in."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str
    preferred_username: str
    groups: tuple[str, ...]


def is_enabled(settings: Settings) -> bool:
    """Single sign-on is configured (issuer and client id set)."""
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def _unreachable() -> SsoFailed:
    return SsoFailed(N_("The sign-in provider cannot be reached right now. Please try again in a few minutes."), status_code=502)


def _provider(settings: Settings, *, refresh_keys: bool = False) -> tuple[dict, KeySet]:
    """The provider's discovery document and signing keys, cached per process for an hour."""
    issuer = settings.oidc_issuer.rstrip("/")
    with _metadata_lock:
        cached = _metadata.get(issuer)
        if cached and not refresh_keys and time.monotonic() - cached[0] < METADATA_SECONDS:
            return cached[1], KeySet.import_key_set(cached[2])
    try:
        with httpx.Client(timeout=settings.oidc_timeout_seconds) as http:
            metadata = http.get(f"{issuer}/.well-known/openid-configuration").raise_for_status().json()
            keys = http.get(metadata["jwks_uri"]).raise_for_status().json()
    except (httpx.HTTPError, ValueError, KeyError):
        raise _unreachable() from None
    if metadata.get("issuer", "").rstrip("/") != issuer:
        raise _unreachable()
    with _metadata_lock:
        _metadata[issuer] = (time.monotonic(), metadata, keys)
    return metadata, KeySet.import_key_set(keys)


def _client(settings: Settings, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        scope=settings.oidc_scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=settings.oidc_timeout_seconds,
    )


def begin(settings: Settings, redirect_uri: str, next_url: str, now: datetime) -> tuple[str, dict]:
    """The provider's authorization URL and what this browser must remember until it comes back."""
    metadata, _ = _provider(settings)
    pending = {
        "state": generate_token(32),
        "nonce": generate_token(32),
        "verifier": generate_token(64),
        "next": next_url,
        "at": now.isoformat(),
    }
    with _client(settings, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=pending["state"],
            nonce=pending["nonce"],
            code_verifier=pending["verifier"],
        )
    return url, pending


def _check_return(pending: dict | None, params: dict, now: datetime) -> None:
    if not pending or not params.get("state"):
        raise SsoFailed(N_("This sign-in was not started in this browser, or it was already used. Please start again."))
    if not _same(pending.get("state", ""), params["state"]):
        raise SsoFailed(N_("This sign-in does not match the one started in this browser. Please start again."))
    if now - datetime.fromisoformat(pending["at"]) > PENDING_LIFETIME:
        raise SsoFailed(N_("This sign-in took too long. Please start again."))
    if params.get("error"):
        raise SsoFailed(N_("The sign-in provider did not log you in. Please try again."))
    if not params.get("code"):
        raise SsoFailed(N_("The sign-in provider sent no authorization code. Please start again."))


def _same(expected: str, given: str) -> bool:
    return constant_time_equals(expected, given)


def _id_token_claims(settings: Settings, id_token: str, nonce: str) -> dict:
    """Verify the ID token (signature, issuer, audience, expiry, nonce) and return its claims."""
    for refresh in (False, True):  # the provider may have rotated its keys since they were cached
        _, keys = _provider(settings, refresh_keys=refresh)
        try:
            token = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS)
            break
        except JoseError:
            if refresh:
                raise SsoFailed(N_("The sign-in provider's answer could not be verified. Please start again.")) from None
    registry = jwt.JWTClaimsRegistry(
        leeway=60,
        iss={"essential": True, "value": settings.oidc_issuer.rstrip("/")},
        aud={"essential": True, "value": settings.oidc_client_id},
        sub={"essential": True},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    claims = dict(token.claims)
    if isinstance(claims.get("iss"), str):
        claims["iss"] = claims["iss"].rstrip("/")
    try:
        registry.validate(claims)
    except JoseError:
        raise SsoFailed(N_("The sign-in provider's answer could not be verified. Please start again.")) from None
    return claims


def finish(settings: Settings, pending: dict | None, params: dict, redirect_uri: str, now: datetime) -> SsoClaims:
    """Check state, exchange the code (with the PKCE verifier), verify the ID token, read userinfo."""
    _check_return(pending, params, now)
    metadata, _ = _provider(settings)
    with _client(settings, redirect_uri) as client:
        try:
            token = client.fetch_token(
                metadata["token_endpoint"], code=params["code"], code_verifier=pending["verifier"],
                grant_type="authorization_code",
            )
        except OAuthError:
            raise SsoFailed(N_("The sign-in provider did not accept this sign-in (a used or expired code). Please start again.")) from None
        except httpx.HTTPError:
            raise _unreachable() from None
        if "id_token" not in token:
            raise SsoFailed(N_("The sign-in provider's answer could not be verified. Please start again."))
        claims = _id_token_claims(settings, token["id_token"], pending["nonce"])
        if metadata.get("userinfo_endpoint"):
            try:
                info = client.get(metadata["userinfo_endpoint"]).raise_for_status().json()
            except (httpx.HTTPError, ValueError):
                raise _unreachable() from None
            if info.get("sub") != claims["sub"]:
                raise SsoFailed(N_("The sign-in provider's answer could not be verified. Please start again."))
            claims = {**info, **claims}
    return _claims_of(settings, claims)


def _claims_of(settings: Settings, claims: dict) -> SsoClaims:
    groups = claims.get(settings.oidc_group_claim) or ()
    if isinstance(groups, str):
        groups = groups.split()
    email = claims.get("email")
    return SsoClaims(
        issuer=settings.oidc_issuer.rstrip("/"),
        subject=str(claims["sub"]),
        email=email if isinstance(email, str) and email else None,
        # Only a literal true counts: a missing claim or the string "true" never links an account.
        email_verified=claims.get("email_verified") is True,
        name=str(claims.get("name") or "")[:80],
        preferred_username=str(claims.get("preferred_username") or ""),
        groups=tuple(str(group) for group in groups if isinstance(group, (str, int))),
    )
