"""The brokerage that share pages and reveal videos name: one per deployment, set by staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, UTCDateTime, utcnow

BROKERAGE_ID = 1
"""The one row: a deployment serves one brokerage."""
MAX_NAME_CHARS = 120


class Brokerage(Base):
    """The brokerage's name and logo, as the public pages show them."""

    __tablename__ = "brokerage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME_CHARS), default="")
    logo_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def get_brokerage(session: Session) -> Brokerage:
    """The brokerage as set; blank (no name, no logo) until staff set it."""
    return session.get(Brokerage, BROKERAGE_ID) or Brokerage(id=BROKERAGE_ID, name="")


def save_brokerage(session: Session, *, name: str, logo_key: str | None) -> Brokerage:
    """Set the name and the logo's storage key (None: no logo)."""
    brokerage = session.get(Brokerage, BROKERAGE_ID)
    if brokerage is None:
        brokerage = Brokerage(id=BROKERAGE_ID)
        session.add(brokerage)
    brokerage.name = name.strip()
    brokerage.logo_key = logo_key
    session.flush()
    return brokerage
