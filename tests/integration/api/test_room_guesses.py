"""POST and GET /api/v1/room-guesses: validated like uploads, owner-only, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.db import transaction, utcnow
from core.storage import guess_photo_key
from jobs.room_guesses import GUESSES_PER_MINUTE, GuessState, RoomGuess
from tests.factories import encode, patio_photo, photo_bytes
from tests.integration.api.helpers import error_of
from tests.integration.api.test_uploads import REJECTED
from tests.support.stored import stored_files

URL = "/api/v1/room-guesses"


def ask(client, headers, data: bytes, filename: str = "room.jpg"):
    return client.post(URL, headers=headers, files={"photo": (filename, data, "image/jpeg")})


def guess_count(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(RoomGuess))


def test_a_photo_is_stored_and_a_pending_guess_answered_to_its_owner_only(
    client, agent, make_actor, session_factory, api_settings
):
    response = ask(client, agent.headers, encode(patio_photo(), "PNG"), "patio.png")
    assert response.status_code == 202, response.text
    body = response.json()
    assert body == {"id": body["id"], "state": "pending", "room_type": None, "label": None}
    assert response.headers["Location"] == f"{URL}/{body['id']}"
    stored = stored_files(api_settings)
    assert [path.relative_to(api_settings.local_storage_dir).as_posix() for path in stored] == [
        guess_photo_key(body["id"])
    ]
    with session_factory() as session:
        row = session.get(RoomGuess, body["id"])
        assert (row.user_id, row.state, row.photo_key) == (
            agent.user.id,
            GuessState.PENDING,
            guess_photo_key(body["id"]),
        )

    with transaction(session_factory) as session:
        session.execute(
            update(RoomGuess)
            .where(RoomGuess.id == body["id"])
            .values(state=GuessState.ANSWERED, room_type="patio")
        )
    answered = client.get(f"{URL}/{body['id']}", headers=agent.headers)
    assert answered.status_code == 200
    assert answered.json() == {
        "id": body["id"],
        "state": "answered",
        "room_type": "patio",
        "label": "Patio",
    }
    assert stored_files(api_settings) == []  # the answer was read: its photo is gone

    other = make_actor(email="other@example.com")
    refused = client.get(f"{URL}/{body['id']}", headers=other.headers)
    assert refused.status_code == 404
    assert error_of(refused)["code"] == "not_found"
    assert client.get(f"{URL}/{body['id'] + 1}", headers=agent.headers).status_code == 404


@pytest.mark.parametrize(
    ("data", "filename", "status", "code"),
    [case[1:] for case in REJECTED],
    ids=[case[0] for case in REJECTED],
)
def test_bad_photo_refused_and_nothing_kept(
    client, agent, session_factory, api_settings, data, filename, status, code
):
    response = ask(client, agent.headers, data, filename)
    assert response.status_code == status, response.text
    assert (error_of(response)["code"], error_of(response)["field"]) == (code, "photo")
    assert guess_count(session_factory) == 0
    assert stored_files(api_settings) == []


def test_unsigned_missing_photo_and_impossible_ids_are_4xx(client, agent, session_factory):
    assert (
        client.post(URL, files={"photo": ("r.jpg", photo_bytes(), "image/jpeg")}).status_code == 401
    )
    missing = client.post(URL, headers=agent.headers, data={"room_type": "bedroom"})
    assert missing.status_code == 422
    assert error_of(missing)["field"] == "photo"
    for bad in ("0", "-1", "abc", str(2**31), str(2**63)):
        response = client.get(f"{URL}/{bad}", headers=agent.headers)
        assert response.status_code == 422, (bad, response.text)
        error_of(response)
    assert client.get(f"{URL}/1").status_code == 401
    assert guess_count(session_factory) == 0


def test_past_the_rate_a_user_gets_429_and_nothing_is_kept(
    client, agent, make_actor, session_factory, api_settings
):
    with transaction(session_factory) as session:
        session.add_all(
            [RoomGuess(user_id=agent.user.id) for _ in range(GUESSES_PER_MINUTE - 1)]
            + [RoomGuess(user_id=agent.user.id, created_at=utcnow() - timedelta(minutes=2))]
        )
    assert ask(client, agent.headers, photo_bytes()).status_code == 202
    before = guess_count(session_factory), stored_files(api_settings)

    refused = ask(client, agent.headers, photo_bytes())
    assert refused.status_code == 429, refused.text
    assert error_of(refused)["code"] == "quota_exceeded"
    assert refused.headers["Retry-After"] == "60"
    assert (guess_count(session_factory), stored_files(api_settings)) == before

    other = make_actor(email="other@example.com")
    assert ask(client, other.headers, photo_bytes()).status_code == 202


def test_openapi_lists_both_operations(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths[URL]) == {"post"}
    assert set(paths[URL + "/{guess_id}"]) == {"get"}


def test_the_guess_sweep_deletes_old_guesses_within_the_hour_and_nothing_else(
    client, agent, session_factory, api_settings, style
):
    from jobs.retention import main as retention
    from jobs.room_guesses import GUESS_RETENTION, GUESS_SWEEP_EVERY
    from tests.integration.api.helpers import submit

    assert timedelta(hours=1) >= GUESS_RETENTION + GUESS_SWEEP_EVERY
    fresh, old = (ask(client, agent.headers, photo_bytes()).json()["id"] for _ in range(2))
    assert submit(client, agent.headers).status_code == 202
    with transaction(session_factory) as session:
        session.execute(
            update(RoomGuess)
            .where(RoomGuess.id == old)
            .values(created_at=utcnow() - GUESS_RETENTION - timedelta(seconds=1))
        )
    assert retention(["--guesses-only"], settings=api_settings) == 0
    with session_factory() as session:
        assert session.scalars(select(RoomGuess.id)).all() == [fresh]
    kept = {
        p.relative_to(api_settings.local_storage_dir).as_posix() for p in stored_files(api_settings)
    }
    assert guess_photo_key(fresh) in kept and guess_photo_key(old) not in kept
    assert any(key.startswith("jobs/") for key in kept)  # jobs are not this sweep's
