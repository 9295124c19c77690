"""The OpenID Connect relying party (Authlib, joserfc): discovery, the authorisation URL with
PKCE (S256), state and nonce, the code exchange, and the ID token's checks (signature by the
provider's JWKS, issuer, audience, expiry, nonce). Every call to the provider has a deadline."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from core.settings import Settings

log = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
METADATA_TTL_S = 3600.0
# Clocks of the provider and of the API may differ this much (expiry, issued-at).
LEEWAY_S = 60
# A token whose key id is unknown refetches the JWKS (a rotated key), at most this often.
JWKS_REFETCH_S = 60.0


class ProviderUnavailable(Exception):
    """The provider did not answer in time, or answered with something that is not OpenID."""


class TokenRejected(Exception):
    """The provider's answer failed a check; the message says which, for the log and the page."""


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: the ID token's claims, filled in from userinfo."""

    issuer: str
    subject: str
    claims: dict[str, Any]

    @property
    def email(self) -> str:
        return str(self.claims.get("email") or "").strip().lower()

    @property
    def email_verified(self) -> bool:
        return self.claims.get("email_verified") in (True, "true")

    @property
    def name(self) -> str:
        return str(self.claims.get("name") or "").strip()


class OidcClient:
    """One provider, its metadata and keys cached for the process (threads share it)."""

    def __init__(self, settings: Settings, redirect_uri: str) -> None:
        self.settings = settings
        self.redirect_uri = redirect_uri
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] = {}
        self._metadata_at = 0.0
        self._jwks: dict[str, Any] = {}
        self._jwks_at = 0.0

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = httpx.get(url, timeout=self.settings.oidc_timeout_s)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(f"GET {url}: {exc}") from exc
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"GET {url}: not a JSON object")
        return body

    def metadata(self) -> dict[str, Any]:
        """The discovery document, refetched hourly; its issuer must be the configured one."""
        with self._lock:
            if not self._metadata or time.monotonic() - self._metadata_at > METADATA_TTL_S:
                issuer = self.settings.oidc_issuer.rstrip("/")
                found = self._get_json(issuer + DISCOVERY_PATH)
                if str(found.get("issuer", "")).rstrip("/") != issuer:
                    raise ProviderUnavailable(f"discovery names issuer {found.get('issuer')!r}")
                needed = ("authorization_endpoint", "token_endpoint", "jwks_uri")
                if missing := [name for name in needed if not found.get(name)]:
                    raise ProviderUnavailable(f"discovery lacks {', '.join(missing)}")
                self._metadata, self._metadata_at = found, time.monotonic()
            return self._metadata

    def _key_set(self, *, refetch: bool) -> KeySet:
        with self._lock:
            stale = refetch and time.monotonic() - self._jwks_at > JWKS_REFETCH_S
            if not self._jwks or stale:
                self._jwks = self._get_json(self._metadata["jwks_uri"])
                self._jwks_at = time.monotonic()
            jwks = self._jwks
        try:
            return KeySet.import_key_set(jwks)  # type: ignore[arg-type]  # a JWKS as read
        except (JoseError, ValueError, TypeError) as exc:
            raise ProviderUnavailable(f"the provider's JWKS cannot be read: {exc}") from exc

    def _session(self) -> OAuth2Client:
        methods = self.metadata().get("token_endpoint_auth_methods_supported", [])
        auth_method = (
            "none"
            if not self.settings.oidc_client_secret
            else "client_secret_post"
            if "client_secret_basic" not in methods and "client_secret_post" in methods
            else "client_secret_basic"
        )
        return OAuth2Client(
            client_id=self.settings.oidc_client_id,
            client_secret=self.settings.oidc_client_secret or None,
            scope=self.settings.oidc_scopes,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method=auth_method,
            timeout=self.settings.oidc_timeout_s,
        )

    def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        """Where to send the browser to sign in at the provider."""
        endpoint = self.metadata()["authorization_endpoint"]
        with self._session() as session:
            url, _ = session.create_authorization_url(
                endpoint, state=state, code_verifier=code_verifier, nonce=nonce
            )
        return str(url)

    def exchange(self, *, code: str, code_verifier: str, nonce: str) -> Identity:
        """Trade the callback's code for tokens and check the ID token."""
        metadata = self.metadata()
        try:
            with self._session() as session:
                token = session.fetch_token(
                    metadata["token_endpoint"], code=code, code_verifier=code_verifier
                )
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(f"token endpoint: {exc}") from exc
        except AuthlibBaseError as exc:  # an OAuth error answer: invalid_grant, invalid_client...
            raise TokenRejected(f"the provider refused the code: {exc.error}") from exc
        if not isinstance(token.get("id_token"), str):
            raise TokenRejected("the provider sent no ID token")
        claims = self._check_id_token(token, nonce)
        userinfo = self._userinfo(str(token.get("access_token") or ""), claims["sub"])
        return Identity(
            issuer=str(claims["iss"]), subject=str(claims["sub"]), claims={**userinfo, **claims}
        )

    def _check_id_token(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
        algorithms = self._metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
        try:
            try:
                decoded = jwt.decode(
                    token["id_token"], self._key_set(refetch=False), registry=registry
                )
            except InvalidKeyIdError:
                decoded = jwt.decode(
                    token["id_token"], self._key_set(refetch=True), registry=registry
                )
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {"iss": {"essential": True, "values": [self._metadata["issuer"]]}},
                {
                    "nonce": nonce,
                    "client_id": self.settings.oidc_client_id,
                    "access_token": token.get("access_token"),
                },
            )
            claims.validate(leeway=LEEWAY_S)
        except JoseError as exc:
            raise TokenRejected(f"the ID token failed its check: {exc}") from exc
        if not claims.get("sub"):
            raise TokenRejected("the ID token names no subject")
        return dict(claims)

    def _userinfo(self, access_token: str, subject: str) -> dict[str, Any]:
        """The userinfo endpoint's claims ({} without one); they must be about the same subject."""
        endpoint = self._metadata.get("userinfo_endpoint")
        if not endpoint or not access_token:
            return {}
        try:
            response = httpx.get(
                endpoint,
                headers={"Authorization": f"Bearer {access_token}"},
                timeout=self.settings.oidc_timeout_s,
            )
            response.raise_for_status()
            info = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(f"userinfo: {exc}") from exc
        if not isinstance(info, dict) or info.get("sub") != subject:
            raise TokenRejected("userinfo is about another subject")
        return info
