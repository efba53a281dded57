"""The `milepost` command: set up, serve, and manage keys and tokens.

Each flag maps one-to-one onto a setting (see `milepost.settings`); a flag left out
falls back to `MILEPOST_*` environment variables, then the settings file, then defaults.
Commands that print a secret print it on stdout and nothing else there; everything
else goes to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from milepost import __version__
from milepost.settings import ENV_PREFIX, Settings

logger = logging.getLogger("milepost")

ROLES = ("readonly", "commenter", "editor", "manager", "admin", "owner")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="milepost", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"milepost {__version__}")
    parser.add_argument("--config", help="a TOML settings file (default: ./milepost.toml)")
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="create or migrate the database and the owner")
    init.add_argument("--database", help="SQLAlchemy URL or SQLite file (default milepost.db)")
    init.add_argument("--demo", action="store_true", help="seed demo data into an empty database")
    init.add_argument("--owner-email", help="the owner's e-mail (MILEPOST_OWNER_EMAIL)")
    init.add_argument("--owner-password", help="the owner's password (MILEPOST_OWNER_PASSWORD)")

    serve = commands.add_parser("serve", help="serve the API and web pages")
    serve.add_argument("--database")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")
    serve.add_argument("--log-level", choices=("debug", "info", "warning", "error"))

    keys = commands.add_parser("keys", help="create, list and revoke API keys")
    keys.add_argument("--database")
    key_commands = keys.add_subparsers(dest="action", required=True)
    create = key_commands.add_parser("create", help="create a key and print it once")
    create.add_argument("--name", required=True, help="a unique name for the key")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--project", type=int, action="append", default=[], help="project id")
    create.add_argument("--all-projects", action="store_true", help="every project, later ones too")
    create.add_argument("--expires", help="expiry date, YYYY-MM-DD")
    create.add_argument(
        "--legacy-results", action="store_true", help="wrap results in a list, as Leantime 3.7"
    )
    key_commands.add_parser("list", help="list keys (never their secrets)")
    revoke = key_commands.add_parser("revoke", help="revoke a key by name or id")
    revoke.add_argument("key", help="the key's name or id")

    tokens = commands.add_parser("tokens", help="personal access tokens")
    tokens.add_argument("--database")
    token_commands = tokens.add_subparsers(dest="action", required=True)
    token = token_commands.add_parser("create", help="create a token and print it once")
    token.add_argument("--user", required=True, help="the user's e-mail")
    token.add_argument("--name", default="cli-issued")
    token.add_argument("--expires", help="expiry date, YYYY-MM-DD")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    overrides = {
        name: getattr(args, name, None)
        for name in ("database", "host", "port", "workers", "log_level", "owner_email")
    }
    overrides["owner_password"] = getattr(args, "owner_password", None)
    try:
        settings = Settings.load(overrides, config_file=args.config)
    except (ValueError, OSError) as error:
        print(f"milepost: {error}", file=sys.stderr)  # noqa: T201
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    handler = {"init": _init, "serve": _serve, "keys": _keys, "tokens": _tokens}[args.command]
    from milepost.services.errors import ServiceError

    try:
        return handler(settings, args)
    except ServiceError as error:
        print(f"milepost: {error.detail}", file=sys.stderr)  # noqa: T201
        return 1


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _init(settings: Settings, args: argparse.Namespace) -> int:
    from milepost.app import build
    from milepost.services import setup
    from milepost.storage.migrate import upgrade

    parts = build(settings)
    upgrade(parts.database)
    password = settings.owner_password
    owner = setup.ensure_owner(parts.services, settings.owner_email, password)
    if owner.password:
        _err(f"Created the owner {owner.email} with the password: {owner.password}")
        _err("It is shown only now; change it after signing in.")
    if args.demo:
        seeded = setup.seed_demo(parts.services, owner.id)
        _err(
            "Seeded the demo data." if seeded else "The database has projects; no demo data added."
        )
    _err(f"The database at {settings.database} is ready.")
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    if settings.workers > 1:
        # Worker processes read their settings from the environment.
        for name, value in vars(settings).items():
            if value is not None:
                os.environ[ENV_PREFIX + name.upper()] = str(value)
        uvicorn.run(
            "milepost.app:from_environment",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level=settings.log_level,
            access_log=False,
        )
        return 0
    from milepost.app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
    )
    return 0


def _services(settings: Settings) -> Any:
    from milepost.app import build

    return build(settings).services


def _keys(settings: Settings, args: argparse.Namespace) -> int:
    from milepost.services import keys, system_principal

    services = _services(settings)
    admin = system_principal()
    if args.action == "create":
        values = {
            "name": args.name,
            "role": args.role,
            "allProjects": args.all_projects,
            "expires": args.expires,
            "resultFormat": "3.7" if args.legacy_results else "3.8",
        }
        created = services.run(
            keys.create_api_key_with_projects, admin, values=values, projects=args.project
        )
        _out(created["apiKey"])
        return 0
    if args.action == "list":
        rows = services.run(keys.get_api_keys, admin)
        _out(f"{'ID':>4}  {'NAME':<24} {'ROLE':<10} {'STATUS':<8} {'PROJECTS':<16} LAST USED")
        for row in rows:
            from milepost.services.permissions import Role

            status = "revoked" if row["revoked"] else ("active" if row["status"] == "a" else "off")
            scope = "all" if row["allProjects"] else ",".join(map(str, row["projects"])) or "-"
            _out(
                f"{row['id']:>4}  {row['name']:<24} {Role.parse(row['role']).label:<10}"
                f" {status:<8} {scope:<16} {row['lastUsed'] or 'never'}"
            )
        return 0
    services.run(keys.revoke_api_key, admin, id=_key_id(services, args.key))
    _err(f"Revoked the key {args.key}.")
    return 0


def _key_id(services: Any, name_or_id: str) -> int:
    from milepost.services import keys, system_principal
    from milepost.services.operations import Context

    with services.database.transaction(write=False) as conn:
        row = keys.find_key(Context(conn, system_principal(), services), name_or_id)
        return int(row.userId)


def _tokens(settings: Settings, args: argparse.Namespace) -> int:
    from milepost.services import keys, system_principal
    from milepost.services.errors import NotFound
    from milepost.services.operations import Context
    from milepost.services.users import get_user_by_email
    from milepost.services.values import parse_date

    services = _services(settings)
    with services.database.transaction(write=True) as conn:
        ctx = Context(conn, system_principal(), services)
        user = get_user_by_email(ctx, args.user)
        if not user:
            raise NotFound(f"no active user with the e-mail {args.user}")
        created = keys.create_token(
            ctx, user["id"], args.name, parse_date(args.expires, "--expires")
        )
    _out(created["token"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
