"""Operators' view: /healthz, and settings that fail loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from complaints import create_app
from complaints.config import ConfigError, load_config


def test_healthz_answers_200_when_the_database_answers(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_healthz_shows_the_outbox_backlog(client, make_complaint) -> None:
    make_complaint(phone="0812 3456 7890")
    outbox = client.get("/healthz").get_json()["outbox"]
    assert outbox["pending"] == 1 and outbox["failed"] == 0
    assert outbox["oldest_pending_at"].endswith("+00:00")


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
            "ADUAN_SCHEDULER": False,
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ADUAN_SCHEDULER", "maybe"),
        ("RATELIMIT_ENABLED", "2"),
        ("ADUAN_PROXY_HOPS", "-1"),
        ("ADUAN_TIMEZONE", "Mars/Olympus"),
        ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "http://localhost"),
    ],
)
def test_a_malformed_setting_stops_start_up_naming_the_variable(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=name):
        load_config(tmp_path, {"SECRET_KEY": "x", name: value})


def test_defaults_are_safe(tmp_path: Path) -> None:
    config = load_config(tmp_path, {})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'aduan.db'}"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["ADUAN_TIMEZONE"] == "Asia/Makassar"


def test_the_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_config(tmp_path, {})["SECRET_KEY"]
    second = load_config(tmp_path, {})["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
