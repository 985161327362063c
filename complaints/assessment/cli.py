"""``flask assessment …`` (DESIGN.md): the documents a supervisor hands to the assessors.

Each document's command lives in its own module and joins the group here.
"""

from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

from .dossier_cli import dossier_command
from .skm_cli import skm_command

assessment = AppGroup(
    "assessment", help="Documents for the PEKPPP assessment (evidence dossier, SKM report)."
)
assessment.add_command(dossier_command)
assessment.add_command(skm_command)


def init_app(app: Flask) -> None:
    """Register the ``assessment`` command group."""
    app.cli.add_command(assessment)
