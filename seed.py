"""Load the style catalog, the sky library and the edit items (each only when empty) and create
the first users; safe to rerun.

python seed.py                                  # the curated styles, skies and edit items
python seed.py --admin-email a@b.c --admin-password ...   # or SEED_ADMIN_EMAIL/_PASSWORD
python seed.py --demo                           # demo agent and admin (APP_ENV=dev only)
"""

from __future__ import annotations

import argparse
import os
import sys

from sqlalchemy.orm import Session

from accounts.models import Role
from accounts.service import create_user, get_user_by_email
from catalog.seed import seed_items, seed_skies, seed_styles
from core.db import make_engine, make_sessionmaker, transaction
from core.errors import ServiceError
from core.migrations import SchemaNotAtHead, require_head
from core.settings import AppEnv, Settings, get_settings
from core.storage import StorageError, make_storage

DEMO_USERS = (
    ("agent@stagewright.local", "stagewright-demo", Role.AGENT, "Demo Agent"),
    ("admin@stagewright.local", "stagewright-admin", Role.ADMIN, "Demo Admin"),
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-email", default=os.environ.get("SEED_ADMIN_EMAIL", ""))
    parser.add_argument("--admin-password", default=os.environ.get("SEED_ADMIN_PASSWORD", ""))
    parser.add_argument("--demo", action="store_true", help="demo users (APP_ENV=dev only)")
    return parser


def _ensure_user(session: Session, email: str, password: str, role: Role, name: str) -> str:
    if get_user_by_email(session, email) is not None:
        return f"user {email} already exists, left as it is"
    create_user(session, email=email, password=password, name=name, role=role)
    return f"created {role.value} {email}"


def _report(what: str, where: str, created: list[str], present: list[str]) -> None:
    if created:
        print(f"{what}: created {len(created)} {created}")
    else:
        print(f"{what}: {where} has {len(present)}, left as merchandisers keep it")


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = settings or get_settings()
    if args.demo and settings.app_env is not AppEnv.DEV:
        print("refusing --demo: demo users have public passwords; APP_ENV must be dev")
        return 2
    if bool(args.admin_email) != bool(args.admin_password):
        print("give both --admin-email and --admin-password (or neither)")
        return 2
    engine = make_engine(
        settings.database_url,
        pooled=settings.database_pooled,
        timeouts=settings.database_timeouts,
    )
    try:
        require_head(engine)
        with transaction(make_sessionmaker(engine)) as session:
            storage = make_storage(settings)
            _report("styles", "the catalog", *seed_styles(session))
            _report("skies", "the library", *seed_skies(session, storage, settings))
            _report("edit items", "the list", *seed_items(session, storage, settings))
            if args.admin_email:
                print(
                    _ensure_user(
                        session, args.admin_email, args.admin_password, Role.ADMIN, "Admin"
                    )
                )
            if args.demo:
                for email, password, role, name in DEMO_USERS:
                    print(_ensure_user(session, email, password, role, name))
    except (SchemaNotAtHead, ServiceError, StorageError) as exc:
        print(f"seed failed, nothing saved: {exc}")
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
