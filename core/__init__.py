"""Shared by the API and the worker: settings, database, storage, image handling."""
