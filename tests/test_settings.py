"""Settings layer as documented: flags, then MILEPOST_* environment, then file, then defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from milepost.settings import Secret, Settings


def test_defaults() -> None:
    settings = Settings.load(environ={}, config_file=None)
    assert settings.database == "milepost.db"
    assert settings.max_batch == 1000
    assert settings.max_body_bytes == 10 * 1024 * 1024


def test_layers_in_order(tmp_path: Path) -> None:
    config = tmp_path / "milepost.toml"
    config.write_text('database = "from-file.db"\nport = 9000\nmax_batch = 10\n')
    environ = {"MILEPOST_PORT": "9100", "MILEPOST_MAX_BATCH": "20"}
    settings = Settings.load({"max_batch": 30, "host": None}, environ=environ, config_file=config)
    assert settings.database == "from-file.db"  # file over default
    assert settings.port == 9100  # environment over file
    assert settings.max_batch == 30  # flag over environment
    assert settings.host == "127.0.0.1"  # an unset flag falls through


def test_unknown_file_setting_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "milepost.toml"
    config.write_text("databse = 'typo.db'\n")
    with pytest.raises(ValueError, match="databse"):
        Settings.load(environ={}, config_file=config)


def test_wrong_type_names_the_setting() -> None:
    with pytest.raises(ValueError, match="port: expected int, got 'eighty'"):
        Settings.load(environ={"MILEPOST_PORT": "eighty"})


def test_password_stays_out_of_reprs() -> None:
    settings = Settings.load(environ={"MILEPOST_OWNER_PASSWORD": "hunter2-secret"})
    assert settings.owner_password == "hunter2-secret"
    assert isinstance(settings.owner_password, Secret)
    assert "hunter2" not in repr(settings)
