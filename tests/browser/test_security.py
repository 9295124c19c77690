"""In Chromium: the Content-Security-Policy breaks no page, /docs works offline, and Back after
sign-out does not show the signed-in jobs page."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, FilePayload, Page, expect

from tests.support.browser import ADMIN, AGENT, sign_in

PAGES = ["/", "/jobs", "/admin/styles", "/admin/styles/new", "/admin/jobs", "/admin/users"]


def test_no_page_trips_the_content_security_policy(page: Page, live_server):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/sign-in")
    sign_in(page, ADMIN)
    for url in PAGES:
        response = page.goto(url)
        assert response is not None and response.ok, url
        assert "script-src 'self'" in response.headers["content-security-policy"]
    page.goto("/")
    page.locator("input[type=file]").first.set_input_files(
        files=[FilePayload(name="room.png", mimeType="image/png", buffer=_png())]
    )
    page.wait_for_timeout(300)  # the preview thumbnail is a blob: URL
    assert not violations, violations


def test_an_inline_script_is_refused(page: Page, live_server):
    messages: list[ConsoleMessage] = []
    page.on("console", lambda message: messages.append(message))
    page.goto("/sign-in")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = 1'; document.body.appendChild(s); }"
    )
    assert page.evaluate("typeof window.injected") == "undefined"
    assert any("Content Security Policy" in m.text for m in messages)


def test_api_docs_render_without_the_internet(page: Page, live_server, requests_log):
    page.goto("/docs")
    expect(page.get_by_text("Exchange email and password for a bearer token")).to_be_visible()
    assert all(url.startswith(live_server.url) for url in requests_log.urls())


def test_back_after_sign_out_does_not_show_the_jobs_page(page: Page, live_server):
    sign_in(page, AGENT)
    response = page.goto("/jobs")
    assert response is not None and response.headers["cache-control"] == "no-store"
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    page.go_back()
    page.wait_for_load_state()
    assert "/sign-in" in page.url
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def _png() -> bytes:
    from tests.factories import photo_bytes

    return photo_bytes("PNG")
