"""Synchronous code run from the event loop in a greenlet, whose queries await asyncpg.

This is SQLAlchemy's asyncio mechanism (`sqlalchemy.util.concurrency`): the code runs in a
greenlet that SQLAlchemy's `await_` recognises, and every `await_` inside it switches back
to the caller's coroutine with the awaitable, which awaits it and switches the result (or
the error) back in. SQLAlchemy's `greenlet_spawn` starts a new greenlet for every call.
A new greenlet gets a fresh block of memory for its Python frames, mapped on its first
call and unmapped when it ends: two system calls and the page faults between them, which
cost more than the rest of the switching (measured on the 2-core machine: about 8 us of a
200 us call). `Runners` keeps finished greenlets and runs the next call in one of them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

from greenlet import getcurrent, greenlet

T = TypeVar("T")


class _Finished:
    """What a runner hands back when its call has ended (as opposed to an awaitable)."""

    __slots__ = ("error", "value")

    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value = value
        self.error = error


class _Runner(greenlet):
    # The mark SQLAlchemy's `await_` and `in_greenlet` look for.
    __sqlalchemy_greenlet_provider__ = True

    def __init__(self) -> None:
        super().__init__(self._serve)

    def _serve(self, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
        while True:
            try:
                finished = _Finished(func(*args))
            except BaseException as error:  # handed to the caller, raised there
                finished = _Finished(error=error)
            del func, args
            # Suspended here between calls; a runner dropped while suspended gets
            # GreenletExit here, outside the try, and ends.
            caller = self.parent
            assert caller is not None
            func, args = caller.switch(finished)


class Runners:
    """Greenlets to run calls in, kept between calls (at most `keep` idle ones)."""

    def __init__(self, keep: int = 64) -> None:
        self._idle: list[_Runner] = []
        self._keep = keep

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """`func(*args)` in a greenlet, its `await_` calls awaited here."""
        runner = self._idle.pop() if self._idle else _Runner()
        caller = getcurrent()
        runner.parent = caller
        runner.gr_context = caller.gr_context  # the task's context variables
        step = runner.switch(func, args)
        while not isinstance(step, _Finished):
            try:
                value = await step
            except BaseException:  # the awaitable failed or this task was cancelled
                step = runner.throw(*sys.exc_info())
            else:
                step = runner.switch(value)
        if len(self._idle) < self._keep:
            self._idle.append(runner)
        if step.error is not None:
            error, step.error = step.error, None
            raise error
        result: T = step.value
        return result
