"""Aduan: citizen complaint intake and tracking."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

import sla

from . import log_masking, outage, request_json
from .config import load_config
from .extensions import babel, compress, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
logger = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings from the environment, then ``config`` on top."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(Path(app.instance_path)))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    if config:
        app.config.update(config)
    _configure_sqlite(app)
    outage.init_app(app)  # engine options first: db.init_app reads them
    log_masking.init_app(app)  # before anything logs a token, a number or an SQL parameter
    request_json.init_app(app)  # before any view or rate-limit key parses a JSON body

    if app.config["ADUAN_PROXY_HOPS"] > 0:
        hops = app.config["ADUAN_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )

    db.init_app(app)
    outage.init_teardown(app)  # after db.init_app: teardowns run in reverse order
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    limiter.init_app(app)
    csrf.init_app(app)
    compress.init_app(app)
    login_manager.init_app(app)

    from . import auth, i18n  # noqa: F401 -- auth registers the user loader

    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)

    import channels

    channels.init_app(app)

    from .staff import admin, board, profile, session  # noqa: F401 -- their routes join staff.bp
    from .staff import views as staff_views

    app.register_blueprint(staff_views.bp)

    from .api import init_app as init_api

    init_api(app)

    from .reports import init_app as init_reports

    init_reports(app)

    from . import cli, outbox, query_guard, security

    security.init_app(app)
    query_guard.init_app(app)
    cli.init_app(app)
    outbox.init_app(app)  # before sla.init_app starts the scheduler with every job
    sla.init_app(app)
    _register_health(app)
    return app


def _configure_sqlite(app: Flask) -> None:
    """WAL and a busy timeout make SQLite usable by the app and the scheduler at once."""
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite"):
        return
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    options.setdefault("connect_args", {"timeout": 30})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


# Set on every SQLite connection of the process (the app's, the scheduler's, a
# CLI command's, the benchmark ceiling's): WAL for concurrent readers, enforced
# foreign keys, and synchronous=FULL. FULL, not NORMAL: SQLite's documentation
# (https://www.sqlite.org/pragma.html#pragma_synchronous) says "WAL mode ... with
# synchronous=NORMAL ... a transaction committed in WAL mode with
# synchronous=NORMAL might roll back following a power loss or system crash".
# A citizen who was given a tracking code must find the complaint after a
# power cut; FULL syncs the WAL at every commit (bench/README.md: its cost).
SQLITE_PRAGMAS = ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Every SQLite connection of every engine: :data:`SQLITE_PRAGMAS`."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()


def _register_health(app: Flask) -> None:
    @app.get("/healthz")
    @limiter.exempt
    def healthz() -> tuple[Response, int]:
        from .outbox import backlog

        try:
            db.session.execute(text("SELECT 1"))
            waiting = backlog()
        except SQLAlchemyError as error:
            logger.error("health check: database unreachable: %s", error)
            db.session.rollback()
            return jsonify(status="error", database="unreachable"), 503
        oldest = waiting.oldest_pending_at
        outbox = {
            "pending": waiting.pending,
            "failed": waiting.failed,
            "oldest_pending_at": oldest.isoformat() if oldest else None,
        }
        return jsonify(status="ok", database="ok", outbox=outbox), 200
