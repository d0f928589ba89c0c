"""The real OpenID provider of the tests: oidc-provider (npm) run by Node.js in a child process."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
CLIENT_ID = "hearth-forum"
CLIENT_SECRET = "provider-client-secret-for-tests"
# Logins the provider knows (its development login page takes any password).
ACCOUNTS = {
    "ada": {"email": "ada@example.org", "email_verified": True, "name": "Ada Lovelace",
            "preferred_username": "ada", "groups": ["beta", "staff-emea"]},
    "grace": {"email": "grace@example.org", "email_verified": True, "name": "Grace Hopper",
              "preferred_username": "grace", "groups": []},
    "mallory": {"email": "victim@example.org", "email_verified": False, "name": "Mallory",
                "preferred_username": "mallory", "groups": ["beta"]},
}
FORM_ACTION_RE = re.compile(r'<form[^>]*action="([^"]+)"')


def require_provider() -> None:
    """Skip (or fail in CI) when Node.js or the provider's node_modules are missing."""
    missing = None
    if shutil.which("node") is None:
        missing = "Node.js is not installed"
    elif not (PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        missing = "the test OpenID provider is not installed (npm install --prefix tests/sso/provider)"
    if missing is None:
        return
    if os.environ.get("HEARTH_REQUIRE_BROWSER"):
        pytest.fail(f"HEARTH_REQUIRE_BROWSER is set but {missing}")
    pytest.skip(f"{missing}; .ci/run installs it (set HEARTH_REQUIRE_BROWSER=1 to make this a failure)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OpenIdProvider:
    """A running provider with one confidential client for the given redirect URIs."""

    def __init__(self, redirect_uris: list[str]):
        require_provider()
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        config = {
            "port": self.port,
            "clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris}],
            "accounts": ACCOUNTS,
        }
        self.process = subprocess.Popen(
            ["node", "provider.js"], cwd=PROVIDER_DIR, env={**os.environ, "HEARTH_TEST_OIDC": json.dumps(config)},
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        line = self.process.stdout.readline()  # blocks until the provider listens (or exits)
        if not line.startswith("ready"):
            self.stop()
            raise RuntimeError("the OpenID provider did not start")

    def settings(self, **overrides) -> dict:
        """Hearth settings that point at this provider."""
        return {
            "oidc_issuer": self.issuer, "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET,
            "oidc_provider_name": "Example Corp", "oidc_scopes": "openid email profile groups",
            "oidc_group_map": {"beta": "labs"}, **overrides,
        }

    def stop(self) -> None:
        """End the provider process."""
        self.process.terminate()
        self.process.wait(timeout=10)

    def log_in(self, authorize_url: str, login: str, redirect_uri: str) -> str:
        """Go through the provider's login and consent pages as `login`; the callback URL it sends back."""
        with httpx.Client(timeout=10) as browser:
            url = authorize_url
            for _ in range(12):
                if url.startswith(redirect_uri):
                    return url
                answer = browser.get(url)
                if answer.is_redirect:
                    url = urljoin(url, answer.headers["location"])
                    continue
                action = urljoin(url, FORM_ACTION_RE.search(answer.text).group(1))
                if 'name="login"' in answer.text:
                    answer = browser.post(action, data={"prompt": "login", "login": login, "password": "any"})
                else:
                    answer = browser.post(action, data={"prompt": "consent"})
                url = urljoin(action, answer.headers["location"])
        raise AssertionError("the provider never sent the browser back")
