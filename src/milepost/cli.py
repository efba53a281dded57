"""The `milepost` command: set up, serve, manage keys and tokens, and call a server.

Each flag maps one-to-one onto a setting (see `milepost.settings`); a flag left out
falls back to `MILEPOST_*` environment variables, then the settings file, then defaults.
Commands that print a secret print it on stdout and nothing else there; everything
else goes to stderr. `call` and `methods` are clients of a running server, built on
`milepost.client` alone.
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

DEFAULT_URL = "http://127.0.0.1:8080"
REMOTE_COMMANDS = ("call", "methods")
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

    worker = commands.add_parser("worker", help="deliver webhooks (beside or instead of serve)")
    worker.add_argument("--database")
    worker.add_argument("--log-level", choices=("debug", "info", "warning", "error"))

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

    call = commands.add_parser("call", help="call a JSON-RPC method on a server")
    call.add_argument("method", help="tickets.getTicket, Api.Config.getSystemInfo, or a full name")
    call.add_argument(
        "params",
        nargs="*",
        metavar="KEY=VALUE",
        help="a param by name; VALUE is read as JSON when it parses, else as a string; "
        "a dotted KEY (values.headline=x) fills an object",
    )
    call.add_argument("--json", dest="json_params", metavar="PARAMS", help="params as JSON")
    call.add_argument("--raw", action="store_true", help="print the result as JSON")
    call.add_argument(
        "--get-url", action="store_true", help="print the equivalent GET URL instead of calling"
    )
    _server_flags(call)
    methods = commands.add_parser("methods", help="list the methods a server offers")
    methods.add_argument("pattern", nargs="?", help="a substring or a glob (tickets.get*)")
    _server_flags(methods)
    return parser


def _server_flags(command: argparse.ArgumentParser) -> None:
    default_url = os.environ.get("MILEPOST_URL") or DEFAULT_URL
    command.add_argument(
        "--url", default=default_url, help=f"server URL (MILEPOST_URL, {DEFAULT_URL})"
    )
    command.add_argument(
        "--key", default=os.environ.get("MILEPOST_KEY"), help="API key (MILEPOST_KEY)"
    )
    command.add_argument(
        "--token", default=os.environ.get("MILEPOST_TOKEN"), help="access token (MILEPOST_TOKEN)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "call" and not any(item.startswith("-") for item in extra):
        args.params += extra  # KEY=VALUE after an option: argparse leaves them over
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command in REMOTE_COMMANDS:
        return _remote(args)
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
    handler = {
        "init": _init,
        "serve": _serve,
        "worker": _worker,
        "keys": _keys,
        "tokens": _tokens,
    }[args.command]
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
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
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


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    import signal

    from milepost.app import build
    from milepost.worker import Worker

    worker = Worker(build(settings).services, poll_seconds=settings.webhook_poll_seconds)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    _err("The worker is delivering webhooks; Ctrl-C stops it.")
    try:
        worker.run()
    except KeyboardInterrupt:
        worker.stop()
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    if settings.workers > 1:
        if not settings.mcp_stateless:
            logger.warning(
                "MCP sessions are kept per worker: a client whose requests reach another"
                " worker loses its session; set mcp_stateless=1 (docs/deployment.md)."
            )
        # Worker processes read their settings from the environment.
        for name, value in vars(settings).items():
            if value is not None:
                os.environ[ENV_PREFIX + name.upper()] = str(value)
        config = uvicorn.Config(
            "milepost.app:from_environment",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level=settings.log_level,
            access_log=False,
            timeout_keep_alive=settings.keep_alive_seconds,
        )
        from milepost import workers

        if workers.balanced():
            return workers.Supervisor(config).run()
        else:  # not Linux: uvicorn's workers, sharing one socket
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[config.bind_socket()]).run()
        return 0
    from milepost.app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        timeout_keep_alive=settings.keep_alive_seconds,
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


def _remote(args: argparse.Namespace) -> int:
    """`call` and `methods`: a client of a running server, through milepost.client."""
    from milepost.client import ClientError

    logging.basicConfig(level="WARNING", format="milepost: %(message)s", stream=sys.stderr)
    try:
        return _call(args) if args.command == "call" else _methods(args)
    except ClientError as error:
        status = getattr(error, "status", None)
        code = error.code if error.code is not None else f"HTTP {status}" if status else "network"
        _err(f"error {code} {error.message}" + (f": {error.detail}" if error.detail else ""))
        return 1
    except UsageError as error:
        _err(f"milepost {args.command}: {error}")
        return 2
    except BrokenPipeError:
        # The reader (`| head`) has gone; stop writing without a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


class UsageError(Exception):
    """A command line that cannot be turned into a call."""


def _client(args: argparse.Namespace) -> Any:
    from milepost.client import Client

    token = None if args.key else args.token  # a key, from --key or MILEPOST_KEY, wins
    try:
        return Client(args.url, args.key or None, token=token or None)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _call(args: argparse.Namespace) -> int:
    import json

    from milepost.client.display import render

    params = _call_params(args.params, args.json_params)
    args_, named = (params, {}) if isinstance(params, list) else ([], params or {})
    with _client(args) as client:
        if args.get_url:
            _out(client.get_url(args.method, *args_, **named))
            return 0
        result = client.call(args.method, *args_, **named)
    _out(json.dumps(result, indent=2, ensure_ascii=False) if args.raw else render(result))
    return 0


def _call_params(pairs: list[str], text: str | None) -> dict[str, Any] | list[Any] | None:
    """Params from `--json` and KEY=VALUE arguments (which go into a `--json` object)."""
    params = _json_params(text)
    if not pairs:
        return params
    if isinstance(params, list):
        raise UsageError("KEY=VALUE params go by name; they cannot join a --json array")
    named = dict(params or {})
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"expected KEY=VALUE, got {pair!r} (use --json '[...]' by position)")
        _put(named, key.split("."), _value(value))
    return named


def _json_params(text: str | None) -> dict[str, Any] | list[Any] | None:
    import json

    if text is None:
        return None
    try:
        params = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"--json: expected JSON, got {text!r} ({error})") from None
    if not isinstance(params, dict | list):
        raise UsageError(f"--json: expected an object or an array, got {text!r}")
    return params


def _value(text: str) -> Any:
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _put(params: dict[str, Any], path: list[str], value: Any) -> None:
    """Set `values.headline=x` as {"values": {"headline": "x"}}."""
    for part in path[:-1]:
        inner = params.setdefault(part, {})
        if not isinstance(inner, dict):
            raise UsageError(f"param {part!r} is both a value and an object")
        params = inner
    params[path[-1]] = value


def _methods(args: argparse.Namespace) -> int:
    with _client(args) as client:
        document = client.discover()
    rows = [
        (_short_name(method), " ".join(str(method.get("summary") or "").split()))
        for method in document.get("methods", [])
        if _matches(method, args.pattern)
    ]
    if not rows:
        _err(f"milepost methods: no method matches {args.pattern!r}")
        return 1
    width = max(len(name) for name, _ in rows)
    for name, summary in sorted(rows, key=lambda row: row[0].lower()):
        _out(f"{name:<{width}}  {summary}".rstrip())
    return 0


def _names(method: dict[str, Any]) -> list[str]:
    """A method's names without the `leantime.rpc.` prefix, the shortest first."""
    full = [str(method.get("name", "")), *map(str, method.get("x-aliases") or [])]
    names = {name.removeprefix("leantime.rpc.") for name in full}
    return sorted(names, key=lambda name: (name.count("."), name))


def _short_name(method: dict[str, Any]) -> str:
    return _names(method)[0]


def _matches(method: dict[str, Any], pattern: str | None) -> bool:
    """A case-insensitive glob when the pattern has `*?[`, else a substring."""
    from fnmatch import fnmatchcase

    if not pattern:
        return True
    wanted = pattern.lower()
    names = [name.lower() for name in _names(method)]
    if any(char in wanted for char in "*?["):
        return any(fnmatchcase(name, wanted) for name in names)
    return any(wanted in name for name in names)


if __name__ == "__main__":
    sys.exit(main())
