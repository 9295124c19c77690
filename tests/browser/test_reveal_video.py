"""Reveal videos in Chromium: the agent asks the job page for one and watches it go from progress
to a player (the live preview worker renders it); someone with the share link opens it on a
phone, anonymously, and the video plays (Debian's Chromium decodes H.264)."""

from __future__ import annotations

import io
import re

from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from accounts.models import User
from bench.photos import camera_photo
from catalog.models import Style
from core.storage import LocalStorage, job_input_key, job_result_key
from tests.factories import encode, make_job
from tests.support.browser import AGENT, PHONE, LiveServer, axe_violations, screenshot, sign_in

H264 = 'video/mp4; codecs="avc1.640028"'


def _finished_job(live_server: LiveServer) -> int:
    """A completed staging of the demo agent, stored as the worker stores it."""
    storage = LocalStorage(live_server.storage_dir, "only-writes")
    original = camera_photo(1200, 800, texture=12.0)
    with Image.open(io.BytesIO(original)) as photo:
        room = photo.convert("RGB")
    ImageDraw.Draw(room).rectangle([240, 520, 960, 720], fill=(70, 96, 140))  # a sofa
    staged = encode(room, "JPEG", quality=90)
    with live_server.sessions.begin() as session:
        user = session.scalars(select(User).where(User.email == AGENT[0])).one()
        style = session.scalars(select(Style).where(Style.slug == "modern")).one()
        job = make_job(
            session,
            user=user,
            style=style,
            state="completed",
            input_width=1200,
            input_height=800,
            generator="preview",
        )
        job.input_key = job_input_key(job.id)
        job.result_keys = [job_result_key(job.id, 1, 1)]
        job.result_seeds = [1]
        storage.put(job.input_key, original, "image/jpeg")
        storage.put(job.result_keys[0], staged, "image/jpeg")
        return job.id


def test_the_agent_makes_a_video_and_a_phone_plays_it_from_the_share_link(
    browser: Browser, live_server: LiveServer, page: Page
):
    job_id = _finished_job(live_server)
    agent_page = page
    sign_in(agent_page, AGENT)
    agent_page.goto(f"/jobs/{job_id}")
    card = agent_page.get_by_role("region", name="Reveal video")
    expect(card.get_by_label(re.compile("Landscape"))).to_be_checked()
    card.get_by_role("button", name="Make the video").click()
    expect(agent_page.get_by_text("Video requested")).to_be_visible()
    card = agent_page.get_by_role("region", name="Reveal video")
    expect(card.get_by_role("progressbar", name="Video progress")).to_be_visible()
    # progress.js follows the video job and reloads the page once it is done.
    player = card.locator("video")
    expect(player).to_have_count(1, timeout=90_000)
    assert player.get_attribute("preload") == "none" and player.get_attribute("poster")
    expect(
        card.get_by_role("link", name=re.compile("Download the landscape video"))
    ).to_be_visible()
    assert axe_violations(agent_page) == []

    card = agent_page.get_by_role("region", name="Share")
    card.get_by_role("button", name="Create share link").click()
    url = agent_page.get_by_label(re.compile("Copy this link now")).input_value()

    context = browser.new_context(base_url=live_server.url, viewport=PHONE, has_touch=True)
    context.set_default_timeout(30_000)
    phone = context.new_page()
    phone.goto(url, wait_until="networkidle")
    video = phone.locator(".share-video video")
    expect(video).to_have_count(1)
    assert video.evaluate("v => v.readyState") == 0  # preload="none": nothing fetched yet
    decodes = phone.evaluate(f"document.createElement('video').canPlayType('{H264}')")
    print(f"\nChromium canPlayType(H.264 High): {decodes!r}")
    assert decodes in ("probably", "maybe"), "this Chromium cannot decode H.264"
    video.evaluate("v => { v.muted = true; return v.play(); }")
    phone.wait_for_function(
        "() => { const v = document.querySelector('.share-video video');"
        " return v.readyState >= 2 && v.currentTime > 0.5; }",
        timeout=30_000,
    )
    duration = video.evaluate("v => v.duration")
    assert 3.0 <= duration <= 15.0, duration
    assert video.evaluate("v => v.videoWidth") == 1920
    assert context.cookies() == []
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert axe_violations(phone) == []
    screenshot(phone, "share-video-phone", full_page=True)
    context.close()
