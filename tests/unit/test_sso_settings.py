"""The single sign-on settings: the role map in either spelling, and what start refuses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.settings import Settings

SSO = {"oidc_issuer": "http://127.0.0.1:9000", "oidc_client_id": "stagewright"}


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]  # pydantic-settings' init


@pytest.mark.parametrize(
    "spelling",
    [
        "staging-agents=agent, staging-admins = admin",
        '{"staging-agents": "agent", "staging-admins": "admin"}',
    ],
)
def test_the_role_map_reads_pairs_or_json_from_the_environment(monkeypatch, spelling):
    monkeypatch.setenv("OIDC_ISSUER", SSO["oidc_issuer"])
    monkeypatch.setenv("OIDC_CLIENT_ID", SSO["oidc_client_id"])
    monkeypatch.setenv("OIDC_ROLE_MAP", spelling)
    mapping = settings().oidc_role_map
    assert mapping == {"staging-agents": "agent", "staging-admins": "admin"}


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"oidc_role_map": "staff=boss"}, "unknown role boss"),
        ({"oidc_role_map": "staff"}, "not `group=role`: staff"),
        ({}, "set OIDC_ROLE_MAP or OIDC_DEFAULT_ROLE"),
        ({"oidc_default_role": "agent", "oidc_scopes": "email"}, "must include openid"),
        ({"oidc_default_role": "owner"}, "oidc_default_role"),
        ({"oidc_default_role": "agent", "oidc_client_id": ""}, "OIDC_CLIENT_ID is not"),
    ],
)
def test_bad_sso_settings_are_refused_at_start(values, says):
    with pytest.raises(ValidationError, match=says):
        settings(**{**SSO, **values})


def test_passwords_cannot_be_switched_off_without_a_provider():
    with pytest.raises(ValidationError, match="needs single sign-on"):
        settings(password_sign_in=False)
    assert not settings(**SSO, oidc_default_role="agent", password_sign_in=False).password_sign_in


def test_production_wants_an_https_issuer():
    secret = "Vq3xT8m2LpZ7rK9wN4sD6fH1jB5cY0gE"
    with pytest.raises(ValidationError, match="https"):
        settings(app_env="prod", secret_key=secret, oidc_default_role="agent", **SSO)
    https = {**SSO, "oidc_issuer": "https://login.example.com"}
    assert settings(app_env="prod", secret_key=secret, oidc_default_role="agent", **https)
