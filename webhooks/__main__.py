"""The webhook dispatcher process: `python -m webhooks` (OPERATIONS.md, section 11)."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from core.db import make_engine
from core.logging import configure_logging
from core.migrations import SchemaNotAtHead, require_head
from core.settings import get_settings
from webhooks.dispatcher import Dispatcher

log = logging.getLogger("webhooks")

EXIT_SCHEMA_NOT_AT_HEAD = 2


def main() -> int:
    settings = get_settings()
    configure_logging(settings.log_level)
    engine = make_engine(settings.database_url, pooled=settings.database_pooled)
    try:
        require_head(engine)
    except SchemaNotAtHead as exc:
        log.error("refusing to start: %s", exc)
        return EXIT_SCHEMA_NOT_AT_HEAD
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("webhook dispatcher started")
    Dispatcher(settings, engine, stop).run()
    engine.dispose()
    log.info("webhook dispatcher stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
