"""Deletes final jobs older than RETENTION_DAYS and their images: see jobs/retention.py."""

from jobs.retention import main

if __name__ == "__main__":
    raise SystemExit(main())
