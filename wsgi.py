"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi …``."""

import logging
import os

from complaints import create_app

# Operators see at start-up which channels are on and that the scheduler runs.
logging.basicConfig(
    level=os.environ.get("ADUAN_LOG_LEVEL", "INFO").upper(),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)

app = create_app()
