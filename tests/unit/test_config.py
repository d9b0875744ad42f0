"""Settings: defaults, config file, environment, and refusing to start when unsafe."""

from __future__ import annotations

from pathlib import Path

import pytest

from learning import create_app
from learning.config import ConfigError, load_settings, setting_names


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests set what they need; CI's own DATABASE_URL must not leak in."""
    for name in [*setting_names(), "LEARNING_CONFIG", "LEARNING_ENV"]:
        monkeypatch.delenv(name, raising=False)


def test_defaults_follow_the_rules_of_the_domain(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings["STANDARD_HOUR_MINUTES"] == 45
    assert settings["HEARTBEAT_INTERVAL_S"] == 15
    assert settings["STALE_AFTER_S"] == 3 * 15 + 15
    assert settings["DAILY_CAP_S"] == 21_600
    assert settings["TIMEZONE"] == "Asia/Shanghai"
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'learning.sqlite'}"


def test_environment_overrides_with_the_right_types(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANDARD_HOUR_MINUTES", "60")
    monkeypatch.setenv("MAX_RATE", "0.75")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/learning")
    settings = load_settings(tmp_path)
    assert settings["STANDARD_HOUR_MINUTES"] == 60
    assert settings["MAX_RATE"] == 0.75
    assert settings["DATABASE_URL"] == "postgresql+psycopg://db/learning"


def test_a_bad_number_in_the_environment_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAILY_CAP_S", "eight hours")
    with pytest.raises(ConfigError, match="DAILY_CAP_S"):
        load_settings(tmp_path)


def test_config_file_is_read_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file = tmp_path / "site.py"
    config_file.write_text("TRAINING_BODY_NAME = '某培训机构'\nSLACK_S = 3\n", encoding="utf-8")
    monkeypatch.setenv("LEARNING_CONFIG", str(config_file))
    monkeypatch.setenv("SLACK_S", "4")
    settings = load_settings(tmp_path)
    assert settings["TRAINING_BODY_NAME"] == "某培训机构"
    assert settings["SLACK_S"] == 4


def test_missing_config_file_named_in_the_environment_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEARNING_CONFIG", str(tmp_path / "nope.py"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path)


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings(tmp_path, {"ENV": "production"})


def test_production_forces_secure_cookies(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path,
        {
            "ENV": "production",
            "SECRET_KEY": "x" * 40,
            "CERTIFICATE_KEY": "y" * 40,
            "PUBLIC_URL": "https://learning.example.org",
        },
    )
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = load_settings(tmp_path)["SECRET_KEY"]
    second = load_settings(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_an_unknown_environment_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ENV"):
        load_settings(tmp_path, {"ENV": "staging"})


def test_the_app_factory_takes_test_settings(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "k"})
    assert app.config["SECRET_KEY"] == "k"
    assert "init-db" in app.cli.commands
