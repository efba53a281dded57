"""The authorization matrix: every method, every role, inside and outside the caller's
projects, with an API key, personal access token and web session.

Generated at run time from `rpc.discover` (so methods added later are covered) and the
permission table (see tests/security/cases.py). Two passes per backend, each caller's
calls sent as one batch:
1. the calls that must be refused: everything aimed outside the caller's projects, and
   what the caller's role lacks the permission for. None answers data of the refused
   scope (recognised by its marker word); inside and global ones answer nothing (false,
   null, [], {}, 0, -32001 or -32002); outside ones that answer an empty summary or
   `true` without data are counted and listed; other errors (-32602, -32601) are
   counted as inconclusive. The database, fingerprinted before and after each batch,
   is unchanged.
2. the calls the caller's role may make inside its projects: none is refused with
   -32001 (methods whose permission the matrix does not know are only counted).
No call in either pass is answered with an internal error (-32603).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import BACKENDS
from tests.security import report
from tests.security.cases import Case, cases_for, classify
from tests.security.servers import own_server
from tests.security.snapshot import differences, engine_for, fingerprint
from tests.security.world import INSIDE, OUTSIDE, Caller, World, build_world


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp(f"matrix-{request.param}")
    with own_server(request.param, workdir, demo=False) as server:
        built = build_world(server)
        try:
            yield built
        finally:
            built.close()


def _send(caller: Caller, cases: list[Case]) -> list[dict[str, Any]]:
    if not cases:
        return []
    batch = [
        {"jsonrpc": "2.0", "id": n, "method": "leantime.rpc." + case.method, "params": case.params}
        for n, case in enumerate(cases)
    ]
    response = caller.post(batch)
    assert response.status_code == 200, (
        f"{caller.label}: HTTP {response.status_code} {response.text[:300]}"
    )
    answers = sorted(response.json(), key=lambda answer: answer["id"])
    assert len(answers) == len(cases)
    return answers


def _describe(caller: Caller, case: Case, answer: dict[str, Any]) -> str:
    outcome = answer.get("error") or {"result": answer.get("result")}
    return f"{caller.label} {case.variant} {case.method}({case.params}) -> {str(outcome)[:200]}"


def test_refused_calls_answer_nothing_and_change_nothing(world: World) -> None:
    methods = world.server.call("rpc.discover")["methods"]
    engine = engine_for(world.server.database_url)
    tally: Counter[str] = Counter()
    failures: list[str] = []
    try:
        for caller in world.callers:
            cases = [
                case
                for method in methods
                for case in cases_for(method, world, caller)
                if case.expected(caller) == "denied"
            ]
            before = fingerprint(engine)
            answers = _send(caller, cases)
            changed = differences(before, fingerprint(engine))
            for case, answer in zip(cases, answers, strict=True):
                tally[f"refused {case.variant} {caller.kind}"] += 1
                failures += _judge(caller, case, answer, tally)
            if changed:
                suspects = [
                    _describe(caller, case, answer)
                    for case, answer in zip(cases, answers, strict=True)
                    if case.writes and "result" in answer
                ]
                failures.append(f"{caller.label}: refused calls changed {changed}; {suspects}")
    finally:
        engine.dispose()
    report.add(world.server.backend, "refused", tally, world.missing)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


def _judge(caller: Caller, case: Case, answer: dict[str, Any], tally: Counter[str]) -> list[str]:
    """The failures in one refused call's answer; odd but harmless answers are tallied."""
    marker = OUTSIDE if case.variant == "outside" else INSIDE
    verdict = classify(answer, case.params, marker)
    if verdict == "inconclusive" and answer["error"]["code"] == -32603:
        return ["internal error: " + _describe(caller, case, answer)]
    if verdict == "inconclusive":
        tally[f"inconclusive {answer['error']['code']}: {case.method}"] += 1
    elif verdict == "leak" or (verdict == "something" and not _without_data(case, answer)):
        return [f"{verdict}: {_describe(caller, case, answer)}"]
    elif verdict == "something":
        # An empty summary for a thing out of reach, or `true` from a write that had
        # nothing to do (the database check sees any change): no data, but not Leantime's
        # "not found" either. Counted, and listed in the report.
        tally[f"answered without data: {case.method}"] += 1
    return []


def _without_data(case: Case, answer: dict[str, Any]) -> bool:
    return case.variant == "outside" or (case.writes and answer.get("result") is True)


def test_permitted_calls_are_not_refused(world: World) -> None:
    methods = world.server.call("rpc.discover")["methods"]
    tally: Counter[str] = Counter()
    failures: list[str] = []
    for caller in world.callers:
        cases = [
            case
            for method in methods
            for case in cases_for(method, world, caller)
            if case.expected(caller) != "denied"
        ]
        for case, answer in zip(cases, _send(caller, cases), strict=True):
            expected = case.expected(caller)
            tally[f"{expected} {case.variant} {caller.kind}"] += 1
            code = answer.get("error", {}).get("code")
            if code == -32603 or (expected == "allowed" and code == -32001):
                failures.append(f"answered {code}: " + _describe(caller, case, answer))
    report.add(world.server.backend, "permitted", tally, world.missing)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])
