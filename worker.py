"""The worker process: `python worker.py [run|download-models|check-models]`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from core.db import make_engine
from core.logging import configure_logging, set_log_context
from core.migrations import SchemaNotAtHead, require_head
from core.settings import get_settings
from core.storage import make_storage

log = logging.getLogger("worker")

EXIT_SCHEMA_NOT_AT_HEAD = 2


def run(_args: argparse.Namespace) -> int:
    """Check the schema, build the generator once, then loop."""
    from worker.generators import build_generator
    from worker.loop import Worker, default_worker_id
    from worker.signals import Shutdown

    settings = get_settings()
    settings = settings.model_copy(update={"worker_id": settings.worker_id or default_worker_id()})
    configure_logging(settings.log_level)
    set_log_context(worker_id=settings.worker_id)
    engine = make_engine(
        settings.database_url,
        pooled=settings.database_pooled,
        timeouts=settings.database_timeouts,
    )
    try:
        require_head(engine)
    except SchemaNotAtHead as exc:
        log.error("refusing to start: %s", exc)
        return EXIT_SCHEMA_NOT_AT_HEAD
    shutdown = Shutdown(settings.shutdown_grace_s)
    shutdown.install()
    worker = Worker(
        settings,
        generator=build_generator(settings),
        storage=make_storage(settings),
        engine=engine,
        shutdown=shutdown,
    )
    try:
        worker.run()
    finally:
        engine.dispose()
    return 0


def download_models(_args: argparse.Namespace) -> int:
    """Fetch every configured sdxl model into the Hugging Face cache."""
    from worker import models_cli

    return models_cli.download_models(get_settings())


def check_models(_args: argparse.Namespace) -> int:
    """Check offline that every configured sdxl model is cached and loadable."""
    from worker import models_cli

    return models_cli.check_models(get_settings())


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {
    "run": (run, "claim and run jobs until SIGTERM/SIGINT (the default)"),
    "download-models": (download_models, "fetch every configured model into the HF cache"),
    "check-models": (check_models, "check offline that every configured model is loadable"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="worker.py", description=__doc__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_handler, help_text) in COMMANDS.items():
        commands.add_parser(name, help=help_text)
    args = parser.parse_args(argv)
    handler, _help = COMMANDS[args.command or "run"]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
