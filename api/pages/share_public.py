"""The public page behind a share link, /s/<token>: the before/after slider of each shared photo,
the disclosure caption, the agent's and the brokerage's names and logo, and nothing else.

Anyone with the link may look; no one without it. Images load through the link too, so a revoked
link takes them with it. An unknown, revoked or expired link, or anything missing behind one, is
the same plain 404 page, so the answer tells nothing about which it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accounts.brokerage import get_brokerage
from accounts.models import User
from api.deps import SessionDep, SettingsDep, StorageDep
from api.pages.common import PageError, PageRoute, templates
from api.pages.job_images import kept_rendition
from api.ranges import ranged
from catalog.models import ROOM_TYPES
from core.disclosure import disclosure_for, kind_of
from core.renditions import phone_rendition_of, web_rendition_of
from core.settings import Settings
from core.storage import ObjectNotFound, phone_key, web_key
from jobs.models import Job
from jobs.shares import ShareLink, ShareScope, count_view, open_share, shared_jobs
from jobs.videos import VideoShape, result_key, shared_video

ROBOTS = "noindex, nofollow, noarchive"
# Private: a shared cache must not keep what a revoked link showed.
IMAGE_CACHE = "private, max-age=600"
RENDITIONS: dict[str, Callable[[str], str]] = {"": web_key, "-phone": phone_key}
MAKERS: dict[str, Callable[[bytes], bytes]] = {"": web_rendition_of, "-phone": phone_rendition_of}


class ShareRoute(PageRoute):
    """A public share route: every 404 (a malformed address too) is the one plain 404 page."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except PageError as exc:
                if exc.status != 404:
                    raise
                return gone_page(request)

        return route


router = APIRouter(prefix="/s", include_in_schema=False, route_class=ShareRoute)


def gone_page(request: Request) -> Response:
    response = templates.TemplateResponse(request, "share/gone.html", {}, status_code=404)
    response.headers["X-Robots-Tag"] = ROBOTS
    return response


def _gone() -> PageError:
    return PageError(404, "Not found", "This link does not exist.")


def _live(session: Session, token: str) -> tuple[ShareLink, list[Job]]:
    link = open_share(session, token)
    jobs = shared_jobs(session, link) if link is not None else []
    if link is None or not jobs:
        raise _gone()
    return link, jobs


def _photo(token: str, number: int, job: Job) -> dict[str, Any]:
    base = f"/s/{token}/{number}"
    return {
        "number": number,
        "room": ROOM_TYPES.get(job.room_type, job.room_type),
        "width": job.input_width,
        "height": job.input_height,
        **{
            side: {"phone": f"{base}/{side}-phone.jpg", "web": f"{base}/{side}.jpg"}
            for side in ("before", "after")
        },
    }


def _context(
    session: Session, settings: Settings, link: ShareLink, jobs: list[Job], token: str
) -> dict[str, Any]:
    owner = session.get_one(User, link.owner_id)
    brokerage = get_brokerage(session)
    photos = [_photo(token, number, job) for number, job in enumerate(jobs, start=1)]
    title = link.listing or "Listing" if link.scope is ShareScope.LISTING else photos[0]["room"]
    captions = list(
        dict.fromkeys(
            disclosure_for(kind_of(job.mode, job.style_snapshot), settings).caption for job in jobs
        )
    )
    base_url = settings.base_url.rstrip("/")
    video = shared_video(session, link)
    return {
        "video": {
            "url": f"/s/{token}/video.mp4",
            "portrait": video[1] is VideoShape.VERTICAL,
            "poster": photos[0]["after"]["phone"],
        }
        if video
        else None,
        "title": title,
        "agent": owner.name,
        "brokerage": brokerage.name,
        "logo_url": f"/s/{token}/logo.png" if brokerage.logo_key else None,
        "photos": photos,
        "captions": captions,
        "description": " ".join(captions),
        "page_url": f"{base_url}/s/{token}",
        "preview_image": base_url + photos[0]["after"]["web"],
    }


@router.get("/{token}")
def share_page(
    request: Request, session: SessionDep, settings: SettingsDep, token: str
) -> Response:
    link, jobs = _live(session, token)
    count_view(session, link)
    context = _context(session, settings, link, jobs, token)
    response = templates.TemplateResponse(request, "share/page.html", context)
    response.headers["X-Robots-Tag"] = ROBOTS
    return response


def _image(data: bytes, media_type: str) -> Response:
    headers = {"Cache-Control": IMAGE_CACHE, "X-Robots-Tag": ROBOTS}
    return Response(data, media_type=media_type, headers=headers)


@router.get("/{token}/{number}/{name}.jpg")
def share_image(
    session: SessionDep, storage: StorageDep, token: str, number: int, name: str
) -> Response:
    """`before` or `after`, with `-phone` for the smaller size."""
    _, jobs = _live(session, token)
    side, _, size = name.partition("-")
    size = f"-{size}" if size else ""
    if not 1 <= number <= len(jobs) or side not in ("before", "after") or size not in MAKERS:
        raise _gone()
    job = jobs[number - 1]
    source = job.input_key if side == "before" else job.result_keys[0]
    return _image(
        kept_rendition(storage, RENDITIONS[size](source), source, MAKERS[size]), "image/jpeg"
    )


@router.get("/{token}/video.mp4")
def share_video(request: Request, session: SessionDep, storage: StorageDep, token: str) -> Response:
    """The newest reveal video of what the link shares (byte ranges, so players can seek)."""
    link, _ = _live(session, token)
    video = shared_video(session, link)
    key = result_key(*video) if video else None
    if key is None:
        raise _gone()
    try:
        data = storage.get(key)
    except ObjectNotFound as exc:
        raise _gone() from exc
    headers = {"Cache-Control": IMAGE_CACHE, "X-Robots-Tag": ROBOTS}
    return ranged(request, data, "video/mp4", headers)


@router.get("/{token}/logo.png")
def share_logo(session: SessionDep, storage: StorageDep, token: str) -> Response:
    _live(session, token)
    key = get_brokerage(session).logo_key
    if not key:
        raise _gone()
    try:
        return _image(storage.get(key), "image/png")
    except ObjectNotFound as exc:
        raise _gone() from exc
