"""Share links through the JSON API and the public page they open, on both databases: who may
share what, the link's life (views, revoke, expiry), and what the page shows and hides."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from core.db import transaction, utcnow
from core.storage import phone_key
from jobs.models import JobState
from jobs.shares import ShareLink
from tests.factories import completed_job, make_job
from tests.integration.api.helpers import error_of

OG = re.compile(r'<meta (?:property|name)="((?:og|twitter):[\w:]+)" content="([^"]*)"')


def _share(client, actor, job_id, **body):
    return client.post("/api/v1/shares", headers=actor.headers, json={"job_id": job_id, **body})


def _page_path(response) -> str:
    assert response.status_code == 201, response.text
    url = response.json()["url"]
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/s/[A-Za-z0-9_-]{43}", url), url
    return url.removeprefix("http://127.0.0.1:8000")


@pytest.fixture
def job(session_factory, api_settings, agent, style):
    return completed_job(session_factory, api_settings, user=agent.user, style=style)


def test_an_agent_shares_a_finished_job_and_anyone_with_the_link_sees_it(
    client, agent, job, session_factory
):
    created = _share(client, agent, job.id, expires_in_days=7)
    path = _page_path(created)
    body = created.json()
    assert body["scope"] == "job" and body["job_id"] == job.id and body["status"] == "active"
    lifetime = body["expires_at"][:16], (utcnow() + timedelta(days=7)).isoformat()[:16]
    assert lifetime[0] == lifetime[1]
    anonymous = client.get(path, headers={"Authorization": ""})
    assert anonymous.status_code == 200
    assert "set-cookie" not in anonymous.headers
    assert anonymous.headers["x-robots-tag"].startswith("noindex")
    assert '<meta name="robots" content="noindex' in anonymous.text
    client.get(path)
    listed = client.get("/api/v1/shares", headers=agent.headers).json()
    assert [(item["id"], item["views"]) for item in listed] == [(body["id"], 2)]
    assert "url" not in listed[0]
    with transaction(session_factory) as session:
        stored = session.get(ShareLink, body["id"])
        assert path.rsplit("/", 1)[1] not in stored.token_hash  # only the hash is kept
        assert len(stored.token_hash) == 64


def test_the_page_shows_the_photos_and_the_disclosure_and_nothing_else(
    client, agent, job, api_settings
):
    path = _page_path(_share(client, agent, job.id))
    page = client.get(path).text
    assert api_settings.mls_caption in page
    assert agent.user.name in page
    for secret in ("seed", "mask", "/jobs/", "/files/", agent.user.email, f"#{job.id}", "csrf"):
        assert secret not in page, secret
    images = re.findall(r'(?:src|srcset)="([^" ]+)', page)
    assert images and all(url.startswith((path + "/", "http://")) for url in images), images
    tags = dict(OG.findall(page))
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["og:url"] == "http://127.0.0.1:8000" + path
    assert tags["og:image"] == tags["twitter:image"] == f"http://127.0.0.1:8000{path}/1/after.jpg"
    for name in ("before", "after", "before-phone", "after-phone"):
        image = client.get(f"{path}/1/{name}.jpg")
        assert image.status_code == 200, name
        assert image.headers["content-type"] == "image/jpeg"
        assert image.headers["cache-control"].startswith("private")
        assert image.content[:2] == b"\xff\xd8"


def test_the_phone_rendition_is_made_once_and_kept(client, agent, job, api_settings):
    path = _page_path(_share(client, agent, job.id))
    first = client.get(f"{path}/1/after-phone.jpg").content
    kept = api_settings.local_storage_dir / phone_key(job.result_keys[0])
    assert kept.read_bytes() == first


def test_revoked_expired_and_unknown_links_are_one_and_the_same_404(
    client, agent, job, session_factory
):
    revoked = _page_path(_share(client, agent, job.id))
    expired = _page_path(_share(client, agent, job.id))
    revoked_id = client.get("/api/v1/shares", headers=agent.headers).json()[1]["id"]
    answer = client.post(f"/api/v1/shares/{revoked_id}/revoke", headers=agent.headers)
    assert answer.status_code == 200 and answer.json()["status"] == "revoked"
    with transaction(session_factory) as session:
        session.execute(
            update(ShareLink)
            .where(ShareLink.id != revoked_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    unknown = "/s/" + "A" * 43
    answers = [client.get(path) for path in (revoked, expired, unknown, "/s/%00", "/s/x")]
    assert {response.status_code for response in answers} == {404}
    assert len({response.text for response in answers}) == 1
    assert {response.headers["x-robots-tag"] for response in answers} == {
        answers[0].headers["x-robots-tag"]
    }
    for path in (revoked, expired):
        assert client.get(f"{path}/1/after.jpg").status_code == 404
        assert client.get(f"{path}/1/after.jpg").text == answers[0].text
    views = [item["views"] for item in client.get("/api/v1/shares", headers=agent.headers).json()]
    assert views == [0, 0]


def test_a_listing_shows_its_finished_photos_in_the_order_submitted(
    client, agent, make_actor, style, session_factory, api_settings
):
    other = make_actor()

    def photo(user, room_type, **fields):
        return completed_job(
            session_factory,
            api_settings,
            user=user,
            style=style,
            listing="12 Oak St",
            room_type=room_type,
            **fields,
        )

    mine = [photo(agent.user, "kitchen"), photo(agent.user, "bedroom")]
    photo(other.user, "bathroom")  # someone else's listing of the same name
    photo(agent.user, "office", is_test=True)
    with transaction(session_factory) as session:
        pending = make_job(
            session, user=agent.user, style=style, listing="12 Oak St", room_type="dining_room"
        )
    path = _page_path(_share(client, agent, mine[1].id, scope="listing"))
    page = client.get(path).text
    assert "<h1>12 Oak St</h1>" in page
    headings = re.findall(r'<h2 id="photo-\d+">([^<]+)', page)
    assert headings == ["Kitchen ", "Bedroom "]
    assert client.get(f"{path}/3/after.jpg").status_code == 404
    with transaction(session_factory) as session:
        session.execute(
            update(type(pending))
            .where(type(pending).id == pending.id)
            .values(state=JobState.COMPLETED, result_keys=mine[0].result_keys)
        )
    assert len(re.findall(r'<h2 id="photo-\d+">', client.get(path).text)) == 3


def test_agents_share_only_their_own_finished_jobs(
    client, agent, make_actor, job, style, session_factory
):
    other = make_actor()
    refused = _share(client, other, job.id)
    assert refused.status_code == 404
    with transaction(session_factory) as session:
        pending = make_job(session, user=agent.user, style=style)
    assert error_of(_share(client, agent, pending.id))["code"] == "conflict"
    no_listing = _share(client, agent, job.id, scope="listing")
    assert no_listing.status_code == 422 and error_of(no_listing)["field"] == "scope"
    for days in (0, 366):
        assert _share(client, agent, job.id, expires_in_days=days).status_code == 422
    assert _share(client, agent, 2**63).status_code == 422
    assert client.post("/api/v1/shares", json={"job_id": job.id}).status_code == 401


def test_staff_share_any_job_and_revoke_any_link_agents_only_their_own(
    client, agent, staff, make_actor, job
):
    by_staff = _share(client, staff, job.id)
    assert agent.user.name in client.get(_page_path(by_staff)).text  # the agent's name, not staff's
    mine = _share(client, agent, job.id).json()["id"]
    other = make_actor()
    assert client.post(f"/api/v1/shares/{mine}/revoke", headers=other.headers).status_code == 404
    assert client.post(f"/api/v1/shares/{mine}/revoke", headers=staff.headers).status_code == 200
    again = client.post(f"/api/v1/shares/{mine}/revoke", headers=agent.headers)
    assert again.status_code == 200 and again.json()["status"] == "revoked"
    staff_links = client.get("/api/v1/shares", headers=staff.headers).json()
    assert [item["id"] for item in staff_links] == [by_staff.json()["id"]]


def test_a_deleted_job_takes_its_links_with_it(client, agent, job, session_factory):
    path = _page_path(_share(client, agent, job.id))
    with transaction(session_factory) as session:
        session.delete(session.get(type(job), job.id))
    assert client.get(path).status_code == 404
    assert client.get("/api/v1/shares", headers=agent.headers).json() == []
