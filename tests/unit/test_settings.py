"""Settings are read once, validated, and their variable names come from one declaration."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from docket.settings import Settings

VALID = {
    "table_name": "docket-table",
    "documents_bucket": "docket-docs",
    "event_bus_name": "docket",
    "signing_key_secret_id": "arn:secret:signing",
    "app_secret_id": "arn:secret:app",
    "token_issuer": "https://api.example/v1",
    "websocket_endpoint": "https://ws.example/v1",
    "mail_sender": "no-reply@example.com",
}


def test_environment_round_trips_through_the_declared_variable_names() -> None:
    env = Settings.environment(**VALID, cors_origins=("https://a.example", "https://b.example"))
    assert env["DOCKET_TABLE_NAME"] == "docket-table"
    settings = Settings.model_validate(env)
    assert settings.table_name == "docket-table"
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.rate_limits_enabled is True


def test_a_missing_deployment_setting_is_an_error_not_a_default() -> None:
    env = Settings.environment(**{k: v for k, v in VALID.items() if k != "table_name"})
    with pytest.raises(ValidationError, match="DOCKET_TABLE_NAME"):
        Settings.model_validate(env)


def test_unknown_setting_names_are_refused() -> None:
    with pytest.raises(KeyError):
        Settings.environment(tabel_name="typo")
