"""The catalog of staging styles: listing, editing, ordering, archiving; caller commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from catalog.models import ROOM_TYPES, Style
from catalog.validation import StyleFields, validate_style_fields
from core.errors import Conflict, Invalid, NotFound

EDITABLE_FIELDS = tuple(StyleFields.model_fields)


def list_active_styles(session: Session) -> list[Style]:
    """The styles agents can pick, in the merchandisers' order."""
    query = (
        select(Style)
        .where(Style.is_active.is_(True), Style.is_archived.is_(False))
        .order_by(Style.sort_order, Style.name)
    )
    return list(session.scalars(query))


def get_style(session: Session, slug: str) -> Style | None:
    return session.scalar(select(Style).where(Style.slug == slug))


def get_style_by_id(session: Session, style_id: int) -> Style:
    style = session.get(Style, style_id)
    if style is None:
        raise NotFound(f"style {style_id} does not exist")
    return style


def deactivation_loses(session: Session, style: Style) -> str | None:
    """What agents lose if the style goes: every style, or room types no other style offers."""
    others = [s for s in list_active_styles(session) if s.id != style.id]
    if not others:
        return "It is the last active style: agents cannot stage photos until one is active."
    offered = {room for s in others for room in s.room_types}
    lost = [ROOM_TYPES.get(room, room) for room in style.room_types if room not in offered]
    if lost:
        return f"No other active style offers {', '.join(lost)}: agents cannot stage those rooms."
    return None


def is_available(style: Style | None) -> bool:
    """Whether new jobs may use the style."""
    return style is not None and style.is_active and not style.is_archived


def _ensure_slug_free(session: Session, slug: str, style_id: int | None) -> None:
    existing = get_style(session, slug)
    if existing is not None and existing.id != style_id:
        raise Conflict(f"a style with slug '{slug}' already exists", field="slug")


def create_style(session: Session, data: dict[str, Any]) -> Style:
    """A new style from validated fields; sort_order defaults to the end of the list."""
    data = dict(data)
    if "sort_order" not in data:
        data["sort_order"] = (session.scalar(select(func.max(Style.sort_order))) or 0) + 10
    values = validate_style_fields(data)
    _ensure_slug_free(session, values["slug"], None)
    style = Style(**values)
    session.add(style)
    session.flush()
    return style


def current_fields(style: Style) -> dict[str, Any]:
    """The style's editable fields as a dict (what an edit form starts from)."""
    return {name: getattr(style, name) for name in EDITABLE_FIELDS}


def update_style(session: Session, style: Style, changes: dict[str, Any]) -> Style:
    """Apply changes after validating the whole result; jobs keep their snapshots."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise Invalid(f"unknown style field {', '.join(sorted(unknown))}", field=min(unknown))
    values = validate_style_fields({**current_fields(style), **changes})
    _ensure_slug_free(session, values["slug"], style.id)
    if values["is_active"] and style.is_archived:
        raise Conflict(f"style '{style.slug}' is archived; restore it first")
    for name, value in values.items():
        setattr(style, name, value)
    session.flush()
    return style


def set_active(session: Session, style: Style, active: bool) -> None:
    if active and style.is_archived:
        raise Conflict(f"style '{style.slug}' is archived; restore it first")
    style.is_active = active
    session.flush()


def reorder(session: Session, style_ids: list[int]) -> None:
    """Put the given styles first, in this order; the others keep their relative order after."""
    if len(set(style_ids)) != len(style_ids):
        raise Invalid("a style appears twice in the new order", field="style_ids")
    styles = {style.id: style for style in session.scalars(select(Style))}
    missing = [str(style_id) for style_id in style_ids if style_id not in styles]
    if missing:
        raise Invalid(f"unknown style id {', '.join(missing)}", field="style_ids")
    rest = sorted(
        (style for style in styles.values() if style.id not in set(style_ids)),
        key=lambda style: (style.sort_order, style.name),
    )
    ordered = [styles[style_id] for style_id in style_ids] + rest
    for position, style in enumerate(ordered, start=1):
        style.sort_order = position * 10
    session.flush()


def archive(session: Session, style: Style) -> None:
    """Hide a style from agents but keep it for the jobs that reference it (until restored)."""
    style.is_archived = True
    style.is_active = False
    session.flush()


def delete_style(session: Session, style: Style) -> None:
    """Delete a style that no job references (jobs.usage.archive_or_delete_style decides)."""
    session.delete(style)
    session.flush()


def restore(session: Session, style: Style) -> None:
    """Bring an archived style back, inactive until a merchandiser turns it on."""
    style.is_archived = False
    style.is_active = False
    session.flush()


def search_styles(
    session: Session,
    *,
    search: str = "",
    active: bool | None = None,
    archived: bool | None = False,
    room_type: str | None = None,
) -> list[Style]:
    """Styles for the admin table, filtered, in catalog order."""
    query = select(Style).order_by(Style.sort_order, Style.name)
    if search:
        pattern = f"%{search.strip()}%"
        query = query.where(or_(Style.name.ilike(pattern), Style.slug.ilike(pattern)))
    if active is not None:
        query = query.where(Style.is_active.is_(active))
    if archived is not None:
        query = query.where(Style.is_archived.is_(archived))
    styles = list(session.scalars(query))
    if room_type:
        styles = [style for style in styles if room_type in style.room_types]
    return styles
