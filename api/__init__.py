"""HTTP only: the FastAPI app, its routers, templates and static files."""
