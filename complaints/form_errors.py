"""Putting a domain validation failure back onto the form the person filled in."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from .errors import ValidationFailed


def show_on_form(form: FlaskForm, failure: ValidationFailed) -> None:
    """Each message next to its field; a message for a field the form lacks is flashed."""
    for name, message in failure.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [message]
        else:
            flash(message, "danger")
