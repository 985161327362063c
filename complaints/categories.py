"""The categories a citizen can choose, in the order of the web form."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import bindparam, select
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


# A complaint is stamped with its category's unit and gets deadlines from its SLA
# policy: both are loaded with it, not by two lazy loads after. Built once: only the
# code changes between intakes, and a statement used again keeps its cache key.
_ACTIVE_CATEGORY = (
    select(Category)
    .where(Category.code == bindparam("code"), Category.active.is_(True))
    .options(joinedload(Category.default_unit), joinedload(Category.sla_policy))
)


def active_category(code: str | None) -> Category | None:
    """The active category with this code (with its unit and SLA policy), or None."""
    if not code:
        return None
    return db.session.scalar(_ACTIVE_CATEGORY, {"code": code})


def category_choices(locale: str) -> list[SelectChoice]:
    """The category select of a complaint form: a prompt, then each active category."""
    return [SelectChoice("", gettext("— choose a topic —"))] + [
        SelectChoice(category.code, category.name(locale)) for category in active_categories()
    ]
