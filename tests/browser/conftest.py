"""Browser-test harness: the real app (uvicorn) and a real preview worker in subprocesses on a
temp SQLite database and storage dir, driven by Playwright with Debian's Chromium."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from accounts.models import Role, User
from accounts.security import hash_password
from core.db import make_engine, make_sessionmaker
from core.migrations import upgrade
from jobs.models import WorkerRecord
from tests.support.browser import (
    APP_COMMAND,
    MERCHANDISER,
    ROOT,
    STARTUP_TIMEOUT_S,
    LiveServer,
    RequestLog,
    stop,
    wait_healthy,
)
from tests.support.processes import wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """App + preview worker on a migrated, seeded temp SQLite database."""
    yield from serve(tmp_path_factory.mktemp("browser"), with_worker=True)


@pytest.fixture(scope="session")
def server_without_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app alone on its own database: a fleet stopped, drained or scaled to zero."""
    yield from serve(tmp_path_factory.mktemp("browser-idle"), with_worker=False)


def bound_listener() -> socket.socket:
    """A listening socket on a free loopback port, for the app to serve."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    return listener


def serve(
    root: Path,
    *,
    with_worker: bool,
    listener: socket.socket | None = None,
    **settings: str,
) -> Iterator[LiveServer]:
    """The app (and, with_worker, a preview worker) until the session ends; settings are extra
    environment variables, listener the socket it serves when its URL must be known first."""
    db_url = f"sqlite:///{root / 'stagewright.db'}"
    storage_dir = root / "storage"
    listener = listener or bound_listener()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    env = {
        **os.environ,
        "APP_ENV": "dev",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "BASE_URL": url,
        "DATABASE_URL": db_url,
        "STORAGE_BACKEND": "local",
        "LOCAL_STORAGE_DIR": str(storage_dir),
        "GENERATOR": "preview",
        "POLL_INTERVAL_S": "0.2",
        "PREVIEW_STEP_DELAY_S": "0.02",
        "PROGRESS_INTERVAL_S": "0.1",
        "MIN_UPLOAD_SIDE_PX": "32",
        "WEBHOOK_ALLOW_PRIVATE": "true",  # the receivers the webhook tests start are on loopback
        "PYTHONUNBUFFERED": "1",
        **settings,
    }
    upgrade(db_url)
    subprocess.run([sys.executable, "seed.py", "--demo"], cwd=ROOT, env=env, check=True)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        session.add(
            User(
                email=MERCHANDISER[0],
                name="Mona Merchandiser",
                role=Role.MERCHANDISER,
                password_hash=hash_password(MERCHANDISER[1]),
            )
        )
    logs = root / "logs"
    logs.mkdir()
    server = LiveServer(url=url, db_url=db_url, storage_dir=storage_dir, sessions=sessions)
    try:
        with (logs / "app.log").open("wb") as app_log, (logs / "worker.log").open("wb") as w_log:
            fd = listener.fileno()
            server.processes.append(
                subprocess.Popen(
                    [*APP_COMMAND, "--fd", str(fd)],
                    cwd=ROOT,
                    env=env,
                    pass_fds=(fd,),
                    stdout=app_log,
                    stderr=subprocess.STDOUT,
                )
            )
            listener.close()
            wait_healthy(url, server.processes[0])
            if not with_worker:
                yield server
                return
            server.processes.append(
                subprocess.Popen(
                    [sys.executable, "worker.py"],
                    cwd=ROOT,
                    env=env,
                    stdout=w_log,
                    stderr=subprocess.STDOUT,
                )
            )
            # Until the worker registers, pages rightly say that staging is paused.
            wait_for(lambda: _registered(sessions), STARTUP_TIMEOUT_S, "the worker's row")
            yield server
    finally:
        for process in reversed(server.processes):
            stop(process)
        engine.dispose()
        for log in sorted(logs.glob("*.log")):
            sys.stderr.write(f"--- {log.name} (tail) ---\n{log.read_text()[-3000:]}\n")


def _registered(sessions: sessionmaker[Session]) -> bool:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(WorkerRecord)).scalar_one() > 0


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def requests_log() -> RequestLog:
    return RequestLog()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, requests_log: RequestLog) -> Iterator[Page]:
    """A fresh tablet-to-laptop sized tab with its own cookies."""
    live_server.assert_alive()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("requestfinished", requests_log.record)
    page.on("requestfailed", requests_log.record)
    yield page
    context.close()
