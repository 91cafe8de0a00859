"""What the read benchmark serves (uvicorn --factory): a bare FastAPI app as the baseline and the all-in-one suite.

The single services on PostgreSQL are started from their own factories (`kam_tiering.main:create_app`, ...)."""

import os
from pathlib import Path

from fastapi import FastAPI


def bare() -> FastAPI:
    """The baseline: one route answering a small JSON, nothing else."""
    app = FastAPI()

    @app.get("/")
    async def hello() -> dict[str, str]:
        return {"status": "ok", "service": "bare"}

    return app


def suite() -> FastAPI:
    """The all-in-one suite on SQLite in the data directory the bench chose (KAM_DATA_DIR, KAM_ADMIN_API_KEY)."""
    from kam_suite.main import create_suite_app

    return create_suite_app(Path(os.environ["KAM_DATA_DIR"]), os.environ["KAM_ADMIN_API_KEY"])
