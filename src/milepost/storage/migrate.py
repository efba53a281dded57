"""Schema migrations, shipped inside the package and run by `milepost init`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from milepost.storage.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision`; safe to run again on an up-to-date database."""
    config = alembic_config()
    with database.transaction(write=True) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
