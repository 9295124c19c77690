"""Staging styles: the catalog merchandisers curate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, JSONType, UTCDateTime, utcnow

ROOM_TYPES: dict[str, str] = {
    "living_room": "Living room",
    "bedroom": "Bedroom",
    "dining_room": "Dining room",
    "kitchen": "Kitchen",
    "bathroom": "Bathroom",
    "home_office": "Home office",
    "kids_room": "Kids' room",
    "studio": "Studio",
    "patio": "Patio",
}


class Style(Base):
    """One staging style; jobs keep a snapshot, so edits only affect new jobs."""

    __tablename__ = "styles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    prompt: Mapped[str] = mapped_column(Text)
    negative_prompt: Mapped[str] = mapped_column(Text, default="")
    palette: Mapped[list[str]] = mapped_column(JSONType, default=list)
    room_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    reference_image_keys: Mapped[list[str]] = mapped_column(JSONType, default=list)
    quality_thresholds: Mapped[dict[str, float]] = mapped_column(
        JSONType, default=dict, server_default=text("'{}'")
    )
    """Overrides of the quality gate's default thresholds (score name -> minimum)."""
    preview_image_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def snapshot(self) -> dict[str, Any]:
        """What a job needs of this style, frozen at submission."""
        return {
            "id": self.id,
            "slug": self.slug,
            "name": self.name,
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "palette": list(self.palette),
            "params": dict(self.params),
            "reference_image_keys": list(self.reference_image_keys),
            "quality_thresholds": dict(self.quality_thresholds or {}),
        }


class Sky(Base):
    """A sky merchandisers offer for sky replacement: an image and its licence."""

    __tablename__ = "skies"
    __table_args__ = {"sqlite_autoincrement": True}  # ids (and so storage keys) never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80))
    licence: Mapped[str] = mapped_column(String(120))
    """Under what terms the image may be used ("CC0", "bought from ...", "generated")."""
    credit: Mapped[str] = mapped_column(String(200), default="")
    """Who made it, as the licence asks to credit them (may be empty)."""
    image_key: Mapped[str] = mapped_column(String(255), default="")
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EditItem(Base):
    """A piece merchandisers offer for an edit's "Add" (jobs/edits.py): placed where the agent
    paints, in rooms of the types it lists."""

    __tablename__ = "edit_items"
    __table_args__ = {"sqlite_autoincrement": True}  # ids (and so storage keys) never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80))
    room_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    prompt: Mapped[str] = mapped_column(String(200))
    """What the generator is asked to draw ("a tall fiddle-leaf fig in a white pot")."""
    reference_image_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    """An optional photo of the piece, shown to the IP-Adapter where the worker has one."""
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
