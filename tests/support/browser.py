"""Browser-test helpers: the demo accounts, the live server's record, signing in, screenshots
and the axe-core accessibility check."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, Request, ViewportSize
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[2]
BROWSER_TESTS = ROOT / "tests" / "browser"
SCREENSHOTS = BROWSER_TESTS / "screenshots"
DOCS = ROOT / "docs"
AXE_SCRIPT = BROWSER_TESTS / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
# Rules that fail a page whatever axe's impact: two landmarks of one name confuse a screen reader.
BLOCKING_RULES = ("landmark-unique",)
STARTUP_TIMEOUT_S = 60.0
APP_COMMAND = [
    sys.executable,
    "-m",
    "uvicorn",
    "api.app:create_app",
    "--factory",
    "--no-proxy-headers",
    "--log-level",
    "warning",
]

PHONE: ViewportSize = {"width": 390, "height": 844}
PHONE_4G = {
    "offline": False,
    "latency": 60,
    "downloadThroughput": 9e6 / 8,
    "uploadThroughput": 1.5e6 / 8,
}
"""The phone targets' link (CDP Network.emulateNetworkConditions): 9 Mbit/s down, 1.5 up, 60 ms."""

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
            assert process.poll() is None, f"{process.args!r} exited with {process.returncode}"


def wait_healthy(url: str, process: subprocess.Popen) -> None:
    """Waits until the app answers /readyz with 200; raises if it exits or takes too long."""
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


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 15 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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


def axe_violations(page: Page) -> list[str]:
    """Runs the vendored axe-core on the page; one line per serious or critical violation, and
    per violation of BLOCKING_RULES."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the app's CSP refuses inline script, as it should.
        page.evaluate(AXE_SCRIPT.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}) "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in violation["nodes"][:5])
        for violation in result["violations"]
        if violation["impact"] in BLOCKING_IMPACTS or violation["id"] in BLOCKING_RULES
    ]
