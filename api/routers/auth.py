"""Sign-in tokens for API clients, and who am I."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from accounts.models import TokenKind
from accounts.service import issue_token, revoke_token
from api.deps import CurrentUser, SessionDep, SettingsDep
from api.errors import Unauthorized
from api.inputs import CheckedRoute
from api.presenters import user_out
from api.schemas import COMMON_ERRORS, TokenOut, TokenRequest, UserOut, error_responses
from api.sign_in_guard import remember_device, sign_in
from core.db import utcnow

router = APIRouter(route_class=CheckedRoute, tags=["auth"], responses=COMMON_ERRORS)


@router.post(
    "/auth/token",
    response_model=TokenOut,
    summary="Exchange email and password for a bearer token",
    description="Attempts are counted per account and client address, per address and per "
    "account; past the allowance sign-in locks for a growing time (429 with Retry-After). A "
    "client that keeps the `sw_device` cookie of an earlier sign-in is not held by the "
    "account-wide lock.",
    responses=error_responses(429),
)
def create_token(
    request: Request,
    response: Response,
    body: TokenRequest,
    session: SessionDep,
    settings: SettingsDep,
) -> TokenOut:
    user = sign_in(request, session, email=body.email, password=body.password)
    if user is None:
        raise Unauthorized("wrong email or password, or the account is deactivated")
    remember_device(response, user, settings)
    ttl = timedelta(seconds=settings.api_token_ttl_s)
    token = issue_token(session, user=user, kind=TokenKind.API, expires_in=ttl, name=body.name)
    return TokenOut(access_token=token, expires_at=utcnow() + ttl)


@router.delete(
    "/auth/token",
    status_code=204,
    response_class=Response,
    summary="Revoke the token this request is signed with",
)
def delete_token(request: Request, _user: CurrentUser, session: SessionDep) -> Response:
    revoke_token(session, request.state.auth_token)
    return Response(status_code=204)


@router.get(
    "/me",
    response_model=UserOut,
    summary="The signed-in user and today's quota",
)
def me(user: CurrentUser, session: SessionDep, settings: SettingsDep) -> UserOut:
    return user_out(session, user, settings)
