"""User management for admins: create, change role, deactivate, reset password, usage."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from accounts import service as accounts
from accounts.models import Role, User
from api.deps import SessionDep, SettingsDep
from api.inputs import ascii_digits
from api.pages.common import (
    AdminPageUser,
    CsrfChecked,
    PageError,
    PageRoute,
    attempt,
    redirect,
    render,
)
from api.pages.confirm import CONFIRMED, confirm_page
from core.errors import ServiceError
from core.settings import Settings
from jobs.usage import jobs_today

router = APIRouter(prefix="/admin/users", include_in_schema=False, route_class=PageRoute)

MAX_USERS_LISTED = 500
BLANK_FORM = {"name": "", "email": "", "role": Role.AGENT.value, "daily_quota": ""}


def _page(
    request: Request,
    session: SessionDep,
    settings: Settings,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    users, _ = accounts.list_users(session, limit=MAX_USERS_LISTED)
    rows = [
        {
            "user": u,
            "used": jobs_today(session, user=u),
            "quota": accounts.quota_for(u, settings),
        }
        for u in users
    ]
    context = {
        "nav": "admin-users",
        "users": rows,
        "roles": list(Role),
        "form": form or BLANK_FORM,
        "errors": errors or {},
        "default_quota": settings.daily_quota,
    }
    return render(request, "admin/users.html", context, status=422 if errors else 200)


def _user(session: SessionDep, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise PageError(404, "User not found", f"There is no user #{user_id}.")
    return user


@router.get("")
def users_page(
    request: Request, session: SessionDep, settings: SettingsDep, admin: AdminPageUser
) -> Response:
    return _page(request, session, settings)


@router.post("", dependencies=[CsrfChecked])
def create_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    admin: AdminPageUser,
    email: Annotated[str, Form(max_length=254)] = "",
    name: Annotated[str, Form(max_length=120)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    role: Annotated[Role, Form()] = Role.AGENT,
    daily_quota: Annotated[str, Form(max_length=9)] = "",
) -> Response:
    form = {"name": name, "email": email, "role": role.value, "daily_quota": daily_quota}
    if daily_quota and not ascii_digits(daily_quota):
        return _page(request, session, settings, form, {"daily_quota": "enter a whole number"})
    try:
        user = accounts.create_user(
            session,
            email=email,
            password=password,
            name=name,
            role=role,
            daily_quota=int(daily_quota) if daily_quota else None,
        )
    except ServiceError as exc:
        return _page(request, session, settings, form, {exc.field or "email": exc.message})
    return redirect(request, "/admin/users", f"Created {user.email} ({user.role.value}).")


@router.post("/{user_id}/role", dependencies=[CsrfChecked])
def change_role(
    request: Request,
    session: SessionDep,
    admin: AdminPageUser,
    user_id: int,
    role: Annotated[Role, Form()],
) -> Response:
    user = _user(session, user_id)
    return attempt(
        request,
        "/admin/users",
        lambda: accounts.set_role(session, user=user, role=role),
        f"{user.email} is now {role.value}.",
    )


@router.post("/{user_id}/active", dependencies=[CsrfChecked])
def change_active(
    request: Request,
    session: SessionDep,
    admin: AdminPageUser,
    user_id: int,
    active: Annotated[str, Form(pattern="^(yes|no)$")],
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    user = _user(session, user_id)
    if active == "no" and confirm != CONFIRMED:
        return confirm_page(
            request,
            title=f"Deactivate {user.email}?",
            message=(
                f"{user.name} is signed out at once and cannot sign in or stage photos until an "
                "admin reactivates them. Their jobs are kept."
            ),
            action=f"/admin/users/{user.id}/active",
            fields={"active": "no"},
            confirm_label="Deactivate",
            back_url="/admin/users",
        )
    return attempt(
        request,
        "/admin/users",
        lambda: accounts.set_active(session, user=user, active=active == "yes"),
        lambda: f"{user.email} was {'reactivated' if user.is_active else 'deactivated'}.",
    )


@router.post("/{user_id}/password", dependencies=[CsrfChecked])
def change_password(
    request: Request,
    session: SessionDep,
    admin: AdminPageUser,
    user_id: int,
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    user = _user(session, user_id)
    return attempt(
        request,
        "/admin/users",
        lambda: accounts.reset_password(session, user=user, password=password),
        f"New password set for {user.email}; they were signed out.",
    )
