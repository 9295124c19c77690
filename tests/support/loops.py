"""Running a coroutine from a sync test, whatever loop the main thread already runs.

The session's Playwright fixture (sync API) keeps an event loop running in the main thread once a
browser test has started, so `asyncio.run` there raises; a thread of its own has no loop.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import anyio

T = TypeVar("T")


def run_async(function: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    """`anyio.run(function, *args)` on a fresh thread; its result or its exception."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, function, *args).result()
