"""A real OpenID provider for the SSO tests: tests/support/oidc/provider.mjs (the certified
oidc-provider package) under Node, on a free loopback port."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.support.browser import stop
from tests.support.processes import wait_for

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "stagewright"
CLIENT_SECRET = "stagewright-test-client-secret"
OTHER_CLIENT_ID = "another-app"
"""The second registered client: the wrong_audience mode makes ID tokens for it."""
START_TIMEOUT_S = 30.0


class OidcProvider:
    """`node provider.mjs`: clients, accounts ({login: {email, email_verified, name, groups}})
    and a misbehaviour mode that can be switched while it runs."""

    def __init__(self, tmp_dir: Path, *, redirect_uri: str, accounts: dict[str, Any]) -> None:
        self.config_path = tmp_dir / "oidc-provider.json"
        self.log_path = tmp_dir / "oidc-provider.log"
        config = {
            "clients": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": [redirect_uri],
                },
                {
                    "client_id": OTHER_CLIENT_ID,
                    "client_secret": "another-secret",
                    "redirect_uris": ["http://127.0.0.1:9/callback"],
                },
            ],
            "accounts": accounts,
        }
        self.config_path.write_text(json.dumps(config))
        self.process: subprocess.Popen[bytes] | None = None
        self.issuer = ""

    def __enter__(self) -> OidcProvider:
        node = shutil.which("node")
        assert node, "Node.js is missing: make system-deps installs it"
        assert (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir(), (
            "the test provider is missing: npm ci --prefix tests/support/oidc (make test runs it)"
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [node, "provider.mjs", str(self.config_path)],
                cwd=PROVIDER_DIR,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"the provider exited: {self.log_path.read_text()[-2000:]}"
        self.issuer = json.loads(line)["issuer"]
        wait_for(self._discovers, START_TIMEOUT_S, "the provider's discovery document")
        return self

    def _discovers(self) -> bool:
        assert self.process is not None and self.process.poll() is None, "the provider exited"
        try:
            url = f"{self.issuer}/.well-known/openid-configuration"
            return httpx.get(url, timeout=2).json().get("issuer") == self.issuer
        except (httpx.HTTPError, ValueError):
            return False

    def misbehave(self, mode: str) -> None:
        """honest, wrong_audience, expired, bad_signature or wrong_nonce (provider.mjs)."""
        response = httpx.put(f"{self.issuer}/test/mode/{mode}", timeout=5)
        assert response.status_code == 204, mode

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None:
            stop(self.process)
            if self.process.stdout is not None:
                self.process.stdout.close()
