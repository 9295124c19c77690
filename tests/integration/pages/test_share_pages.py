"""Share links from the pages: the job page's Share card, the link shown once, the list of links
with their views and revoke, and the brokerage's branding in the admin console."""

from __future__ import annotations

import io
import re

from PIL import Image

from accounts.models import Role
from core.db import transaction
from tests.factories import completed_job, encode, make_job
from tests.support.forms import post_form

URL = re.compile(r'id="share-url" type="text" value="(http://[^"]+)"')


def _share(client, job_id: int, **fields):
    return post_form(
        client, "/shares", {"job_id": str(job_id), "scope": "job", "days": "30", **fields}
    )


def _created_path(response) -> str:
    assert response.status_code == 200, response.text
    match = URL.search(response.text)
    assert match, response.text
    return match[1].removeprefix("http://127.0.0.1:8000")


def test_the_job_page_shares_the_photo_and_shows_the_link_once(
    make_web_user, make_client, session_factory, web_settings, style
):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    card = client.get(f"/jobs/{job.id}").text
    assert 'action="/shares"' in card and 'name="days"' in card
    assert 'value="listing"' not in card  # no listing, nothing more to share
    created = _share(client, job.id, days="7")
    assert "shown only once" in created.text
    path = _created_path(created)
    assert make_client().get(path).status_code == 200
    listed = client.get("/shares").text
    assert path.rsplit("/", 1)[1] not in listed  # the token is never shown again
    assert "Living room (job #" in listed and ">1</td>" in listed  # one view


def test_a_listing_is_offered_when_the_job_has_one(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style, listing="9 Elm Rd")
    assert 'value="listing"' in client.get(f"/jobs/{job.id}").text
    created = _share(client, job.id, scope="listing")
    assert "Listing “9 Elm Rd”" in created.text
    assert "<h1>9 Elm Rd</h1>" in client.get(_created_path(created)).text


def test_revoking_from_the_list_closes_the_page(
    make_web_user, make_client, session_factory, web_settings, style
):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    path = _created_path(_share(client, job.id))
    form = re.search(
        r'action="/shares/(\d+)/revoke"><input type="hidden" name="csrf_token" value="([^"]+)"',
        client.get("/shares").text,
    )
    assert form and form.group(2)  # the page's own form, with its own token
    done = client.post(
        f"/shares/{form.group(1)}/revoke",
        data={"csrf_token": form.group(2)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/shares"
    page = client.get("/shares").text
    assert "Link revoked" in page and "revoked</span>" in page and "/revoke" not in page
    gone = make_client().get(path)
    assert gone.status_code == 404 and "Page not found" in gone.text


def test_bad_shares_are_told_in_words(make_web_user, session_factory, web_settings, style):
    user, client = make_web_user()
    _, other = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    with transaction(session_factory) as session:
        pending = make_job(session, user=user, style=style)
    refused = _share(client, pending.id)
    assert refused.status_code == 303 and refused.headers["location"] == f"/jobs/{pending.id}"
    assert "only finished photos can be shared" in client.get(refused.headers["location"]).text
    assert _share(other, job.id).status_code == 404
    assert _share(client, job.id, days="400").status_code == 400
    empty = _share(client, job.id, days="")  # an empty field is the default, 30 days
    assert "It works until" in empty.text
    someone_elses = post_form(other, "/shares/1/revoke")
    assert someone_elses.status_code == 303
    assert "not found" in other.get("/shares").text


def test_staff_set_the_brokerage_that_share_pages_show(
    make_web_user, make_client, session_factory, web_settings, style
):
    user, agent = make_web_user()
    _, staff = make_web_user(Role.MERCHANDISER)
    job = completed_job(session_factory, web_settings, user=user, style=style)
    path = _created_path(_share(agent, job.id))
    logo = Image.new("RGBA", (1200, 300), (0, 0, 0, 0))
    logo.paste((180, 20, 40, 255), (100, 50, 1100, 250))
    saved = post_form(
        staff,
        "/admin/brokerage",
        {"name": "Acme Realty"},
        files={"logo": ("logo.png", encode(logo, "PNG"), "image/png")},
    )
    assert saved.status_code == 303, saved.text
    admin_page = staff.get("/admin/brokerage").text
    assert 'value="Acme Realty"' in admin_page and "Remove the logo" in admin_page
    anonymous = make_client()
    page = anonymous.get(path).text
    assert "Acme Realty" in page and f'src="{path}/logo.png"' in page
    served = anonymous.get(f"{path}/logo.png")
    assert served.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(served.content)) as stored:
        assert stored.size == (600, 150) and stored.mode == "RGBA"
        assert stored.getpixel((0, 0))[3] == 0  # transparency kept

    bad = post_form(
        staff,
        "/admin/brokerage",
        {"name": "Acme"},
        files={"logo": ("logo.png", b"not an image", "image/png")},
    )
    assert bad.status_code == 422 and "JPEG, PNG or WebP" in bad.text and 'value="Acme"' in bad.text
    assert "Acme Realty" in anonymous.get(path).text  # nothing saved

    removed = post_form(
        staff,
        "/admin/brokerage",
        {"name": "Acme Realty", "remove_logo": "yes"},
        files={"logo": ("", b"", "application/octet-stream")},
    )
    assert removed.status_code == 303
    assert "logo.png" not in anonymous.get(path).text
    assert anonymous.get(f"{path}/logo.png").status_code == 404


def test_an_agent_cannot_set_the_brokerage(make_web_user):
    _, agent = make_web_user()
    assert post_form(agent, "/admin/brokerage", {"name": "Mine"}).status_code == 403
