"""The console's pages, one module per area; each is a FastAPI router under /console."""
