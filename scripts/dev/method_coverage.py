"""Compare the methods Milepost serves with Leantime's catalog (reference §11 tables).

Usage: .venv/bin/python scripts/dev/method_coverage.py [--reference PATH] [SERVICE ...]
e.g.   .venv/bin/python scripts/dev/method_coverage.py Tickets.Tickets Projects.Projects

Reads the tables of `leantime-jsonrpc.md` (default: ../shared/reference beside the
checkout), lists the registry's operations (no database needed), and prints per service:
the methods Leantime 3.9 serves (`@api`) and the pre-3.9 ones (`≤3.8` only), how many of
each Milepost serves for real, how many it answers as not_supported, which are missing,
and the methods Milepost adds. Names match as the registry matches them (case and `_`/`-`
ignored). Exits 1 when an `@api` method of a listed service is missing.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from milepost.rpc.reference import not_supported
from milepost.rpc.registry import Registry
from milepost.services import DOMAINS
from milepost.services.operations import collect

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REFERENCE = ROOT.parent / "shared" / "reference" / "leantime-jsonrpc.md"
DEFAULT_SERVICES = (
    "Tickets.Tickets",
    "Projects.Projects",
    "Users.Users",
    "Clients.Clients",
    "Timesheets.Timesheets",
    "Comments.Comments",
)
_SECTION = re.compile(r"^\*\*(\w+)\.(\w+)\*\* \(`leantime\.rpc\.")
_ROW = re.compile(r"^\|\s*(★)?\s*\|\s*`(\w+)`\s*\|.*\|\s*(yes|no)\s*\|[^|]*\|\s*(yes|no)\s*\|\s*$")


def fold(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


@dataclass
class Service:
    """One service's methods in the reference and in the registry."""

    name: str
    api: list[str] = field(default_factory=list)  # @api at Leantime HEAD
    legacy: list[str] = field(default_factory=list)  # callable up to 3.8 only
    served: dict[str, str] = field(default_factory=dict)  # folded name -> "real" | "ns"
    extra: list[str] = field(default_factory=list)  # Milepost's own methods

    def count(self, names: list[str], kind: str) -> int:
        return sum(1 for name in names if self.served.get(fold(name)) == kind)

    def missing(self, names: list[str]) -> list[str]:
        return [name for name in names if fold(name) not in self.served]


def read_reference(path: Path) -> dict[str, Service]:
    services: dict[str, Service] = {}
    current: Service | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        section = _SECTION.match(line)
        if section:
            name = f"{section[1]}.{section[2]}"
            current = services.setdefault(name, Service(name))
            continue
        row = _ROW.match(line)
        if row and current is not None:
            method, head, legacy = row[2], row[3], row[4]
            if head == "yes":
                current.api.append(method)
            elif legacy == "yes":
                current.legacy.append(method)
    return services


def read_registry(services: dict[str, Service]) -> None:
    for method in Registry(collect(DOMAINS)):
        domain, service, name = method.operation.wire.split(".")
        entry = services.setdefault(f"{domain}.{service}", Service(f"{domain}.{service}"))
        entry.served[fold(name)] = "ns" if not_supported(method.operation) else "real"
        if fold(name) not in {fold(n) for n in entry.api + entry.legacy}:
            entry.extra.append(name)


def report(services: list[Service]) -> list[str]:
    lines = [
        "| Service | @api (3.9) | served | not_supported | missing |"
        " ≤3.8 only | served | not_supported | Milepost's own |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in services:
        if not s.api and not s.legacy:
            lines.append(f"| {s.name} | no §11 table | | | | | | | {len(s.extra)} served |")
            continue
        lines.append(
            f"| {s.name} | {len(s.api)} | {s.count(s.api, 'real')} | {s.count(s.api, 'ns')}"
            f" | {len(s.missing(s.api))} | {len(s.legacy)} | {s.count(s.legacy, 'real')}"
            f" | {s.count(s.legacy, 'ns')} | {len(s.extra)} |"
        )
    lines.append("")
    for s in services:
        tabulated = bool(s.api or s.legacy)
        for label, names in (
            ("@api, missing", s.missing(s.api)),
            ("≤3.8 only, not served", s.missing(s.legacy)),
            ("Milepost's own", s.extra if tabulated else []),
        ):
            if names:
                lines.append(f"- {s.name} {label}: {', '.join(sorted(names))}")
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--all", action="store_true", help="every tabulated service")
    parser.add_argument("services", nargs="*", default=list(DEFAULT_SERVICES))
    args = parser.parse_args(argv)
    services = read_reference(args.reference)
    read_registry(services)
    names = sorted(services) if args.all else args.services
    chosen = [services[name] for name in names if name in services]
    sys.stdout.write("\n".join(report(chosen)) + "\n")
    return 1 if any(service.missing(service.api) for service in chosen) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
