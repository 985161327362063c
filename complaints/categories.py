"""The categories a citizen can choose, in the order of the web form."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from .extensions import db
from .models import Category


def active_categories() -> list[Category]:
    """Active categories, form order first, code as tie-breaker; with their default unit."""
    return list(
        db.session.scalars(
            select(Category)
            .options(joinedload(Category.default_unit))
            .where(Category.active.is_(True))
            .order_by(Category.sort_order, Category.code)
        )
    )


def category_choices(locale: str) -> list[SelectChoice]:
    """The category select of a complaint form: a prompt, then each active category."""
    return [SelectChoice("", gettext("— choose a topic —"))] + [
        SelectChoice(category.code, category.name(locale)) for category in active_categories()
    ]
