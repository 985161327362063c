"""The app factory: every part of Aduan bound to one Flask app.

At the top of the import graph: it imports every package, and nothing below
imports it (``complaints/__init__.py`` hands out :func:`create_app` lazily).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

import channels
from sla import cli as sla_cli

from . import (  # noqa: F401 -- importing auth registers the user loader
    api,
    auth,
    cli,
    i18n,
    jobs,
    labels,
    log_masking,
    outage,
    query_guard,
    reports,
    request_json,
    security,
)
from .assessment import cli as assessment_cli
from .assessment import (
    documents_views,
    dossier_views,  # noqa: F401 -- the dossier's routes join reports.bp
    skm_views,  # noqa: F401 -- the SKM report's routes join reports.bp
)
from .config import load_config
from .extensions import babel, bootstrap, compress, csrf, db, limiter, login_manager, migrate
from .outbox import backlog
from .routing import cli as routing_cli
from .routing import views as routing_views  # noqa: F401 -- the admin page joins staff.bp
from .staff import (  # noqa: F401 -- routes join staff.bp
    admin,
    admin_letterhead,
    board,
    console,
    profile,
    session,
)
from .staff import views as staff_views

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
    bootstrap.init_app(app)
    login_manager.init_app(app)

    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    labels.init_app(app)  # statuses, kinds, roles… in words, as Jinja filters
    channels.init_app(app)
    app.register_blueprint(staff_views.bp)
    api.init_app(app)
    reports.init_app(app)
    app.register_blueprint(documents_views.bp)  # the document register of indicator 27
    security.init_app(app)
    query_guard.init_app(app)
    cli.init_app(app)
    sla_cli.init_app(app)
    assessment_cli.init_app(app)
    routing_cli.init_app(app)
    jobs.init_app(app)  # last: it may start the scheduler with every job
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


def _register_health(app: Flask) -> None:
    @app.get("/healthz")
    @limiter.exempt
    def healthz() -> tuple[Response, int]:
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
