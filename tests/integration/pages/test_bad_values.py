"""A bad value sent to a page gets an HTML error page; the JSON API keeps its JSON 422."""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.support.forms import post_form

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.mark.parametrize(
    ("url", "path", "named"),
    [
        ("/jobs?state=bogus", "/jobs", "state “bogus”"),
        ("/jobs?page=0&listing=harbour", "/jobs", "page “0”"),
        ("/admin/jobs?page=-1", "/admin/jobs", "page “-1”"),
        ("/admin/jobs?state=done&user=x", "/admin/jobs", "user “x”"),
        ("/admin/jobs?date_from=yesterday", "/admin/jobs", "date_from “yesterday”"),
        ("/admin/styles?active=maybe", "/admin/styles", "active “maybe”"),
    ],
)
def test_a_bad_filter_is_an_html_page_naming_it(make_web_user, url, path, named):
    _, client = make_web_user(Role.MERCHANDISER)
    response = client.get(url)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Bad address</h1>" in response.text
    assert named in response.text
    assert f'href="{path}">Show this page without filters</a>' in response.text
    assert "Sign out" in response.text  # the error page keeps the signed-in header


def test_a_bad_id_in_a_page_address_is_not_found(make_web_user):
    _, client = make_web_user(Role.ADMIN)
    for url in ("/jobs/abc", "/admin/jobs/-x", "/admin/styles/1.5", "/jobs/1/download/first"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "<h1>Page not found</h1>" in response.text, url


def test_a_bad_form_value_is_an_html_page_and_changes_nothing(make_web_user):
    user, client = make_web_user(Role.ADMIN)
    response = post_form(client, f"/admin/users/{user.id}/role", {"role": "emperor"})
    assert response.status_code == 400
    assert "<h1>Form not accepted</h1>" in response.text
    assert "role “emperor”" in response.text
    assert "selected>admin</option>" in client.get("/admin/users").text


def test_an_anonymous_bad_filter_still_goes_to_sign_in(make_client):
    response = make_client().get("/jobs?state=bogus", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=")


def test_the_json_api_keeps_its_json_422(make_web_user):
    _, client = make_web_user()
    response = client.get("/api/v1/jobs?page=-1")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["field"] == "page"


@pytest.mark.parametrize(
    "url",
    [
        "/jobs?state=&listing=harbour",
        "/jobs?state=&listing=&page=",
        "/admin/jobs?state=&user=&style=&date_from=&date_to=",
        "/admin/jobs?state=failed&user=&style=&date_from=2026-01-01&date_to=",
        "/admin/styles?q=&active=",
    ],
)
def test_an_empty_filter_value_means_no_filter(make_web_user, url):
    _, client = make_web_user(Role.MERCHANDISER)
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert "Bad address" not in response.text
