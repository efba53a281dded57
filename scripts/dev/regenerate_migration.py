"""Regenerate the newest, not yet released migration from storage/tables.py.

Usage: .venv/bin/python scripts/dev/regenerate_migration.py REVISION BASE "message"
e.g.   .venv/bin/python scripts/dev/regenerate_migration.py 0004 0003 "catalog domains"

Deletes migrations/versions/<REVISION>_*.py, upgrades a scratch SQLite database to BASE,
and autogenerates REVISION from the difference to tables.py. Only for a revision that
has never been released: a released migration is never rewritten.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command

from milepost.storage.database import Database
from milepost.storage.migrate import MIGRATIONS, alembic_config, upgrade


def main(revision: str, base: str, message: str) -> None:
    for old in (MIGRATIONS / "versions").glob(f"{revision}_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as folder:
        database = Database(str(Path(folder) / "scratch.db"))
        upgrade(database, base)
        config = alembic_config()
        with database.transaction(write=True) as conn:
            config.attributes["connection"] = conn
            command.revision(config, message=message, autogenerate=True, rev_id=revision)
    created = next((MIGRATIONS / "versions").glob(f"{revision}_*.py"))
    target = created.with_name(f"{revision}_{message.replace(' ', '_')[:30]}.py")
    created.rename(target)
    ruff = Path(sys.executable).with_name("ruff")
    subprocess.run([str(ruff), "format", "-q", str(target)], check=False)
    subprocess.run([str(ruff), "check", "--fix", "-q", str(target)], check=False)
    print(f"wrote {target}")  # noqa: T201


if __name__ == "__main__":
    main(*sys.argv[1:4])
