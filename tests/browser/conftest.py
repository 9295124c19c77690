"""Browser-test harness: the real app (uvicorn) and a real preview worker in subprocesses on a
temp SQLite database and storage dir, driven by Playwright with Debian's Chromium."""

from __future__ import annotations

import io
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from accounts.models import Role, User
from accounts.security import hash_password
from core.db import make_engine, make_sessionmaker
from core.migrations import upgrade

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_TIMEOUT_S = 60.0
APP_COMMAND = [
    sys.executable,
    "-m",
    "uvicorn",
    "api.app:create_app",
    "--factory",
    "--log-level",
    "warning",
]

AGENT = ("agent@stagewright.local", "stagewright-demo")
ADMIN = ("admin@stagewright.local", "stagewright-admin")
MERCHANDISER = ("merch@stagewright.local", "merchandiser-pass")


@dataclass
class LiveServer:
    """The running app and worker, and a way into their database."""

    url: str
    db_url: str
    storage_dir: Path
    sessions: sessionmaker[Session]
    processes: list[subprocess.Popen] = field(default_factory=list)

    def assert_alive(self) -> None:
        for process in self.processes:
            assert process.poll() is None, f"{process.args} exited with {process.returncode}"


def _wait_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the app did not become ready in time")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """App + preview worker on a migrated, seeded temp SQLite database."""
    root = tmp_path_factory.mktemp("browser")
    db_url = f"sqlite:///{root / 'stagewright.db'}"
    storage_dir = root / "storage"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
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
        "PYTHONUNBUFFERED": "1",
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
            _wait_healthy(url, server.processes[0])
            server.processes.append(
                subprocess.Popen(
                    [sys.executable, "worker.py"],
                    cwd=ROOT,
                    env=env,
                    stdout=w_log,
                    stderr=subprocess.STDOUT,
                )
            )
            yield server
    finally:
        for process in reversed(server.processes):
            _stop(process)
        engine.dispose()
        for log in sorted(logs.glob("*.log")):
            sys.stderr.write(f"--- {log.name} (tail) ---\n{log.read_text()[-3000:]}\n")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class RequestLog:
    """Every request a page made, with the bytes each response transferred."""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def record(self, request: Request) -> None:
        self.requests.append(request)

    def clear(self) -> None:
        self.requests.clear()

    def transferred_bytes(self) -> int:
        total = 0
        for request in self.requests:
            sizes = request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        return total

    def urls(self) -> list[str]:
        return [request.url for request in self.requests]


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


def sign_in(page: Page, account: tuple[str, str]) -> None:
    """Signs in through the real form and waits for the landing page."""
    page.goto("/sign-in")
    page.get_by_label("Email").fill(account[0])
    page.get_by_label("Password").fill(account[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Saves a PNG under tests/browser/screenshots/ (git-ignored) for a human to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def save_docs_screenshot(page: Page, name: str) -> None:
    """With UPDATE_DOCS_SCREENSHOTS=1, refresh docs/<name>.png (palette PNG, kept small)."""
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") != "1":
        return
    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot()))
    image.convert("RGB").quantize(colors=128).save(DOCS / f"{name}.png", optimize=True)


AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def axe_violations(page: Page) -> list[str]:
    """Runs the vendored axe-core on the page; one line per serious or critical violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the app's CSP refuses inline script, as it should.
        page.evaluate(AXE_SCRIPT.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}) "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in violation["nodes"][:5])
        for violation in result["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
