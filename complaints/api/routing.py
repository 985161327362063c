"""``POST /api/v1/routing/suggest``: the routing model's suggestions for a complaint's text.

For staff tools (a bearer token, any staff role), like the other staff
endpoints. 503 ``no_model`` until a model has been trained (``flask routing
train``); every other error in the API's one error shape.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from flask_babel import gettext

from complaints.errors import ValidationFailed
from complaints.extensions import limiter
from complaints.routing.suggest import Choice, NoModel, Suggestion, suggest

from . import inputs
from .auth import token_required
from .errors import ApiError, register_error_handlers
from .request_bodies import check
from .response_bodies import plain
from .routing_bodies import RoutingChoice, RoutingModelInfo, RoutingQuery, RoutingSuggestion
from .views import STAFF_LIMIT, _token_or_address

logger = logging.getLogger(__name__)
bp = Blueprint("api_routing", __name__, url_prefix="/api/v1/routing")
register_error_handlers(bp)


@bp.post("/suggest")
@limiter.limit(STAFF_LIMIT, key_func=_token_or_address)
@token_required()
def suggest_route() -> Response:
    """The best units and categories for the text, and the unit routed to automatically."""
    checked = check(RoutingQuery, inputs.json_body())
    checked.refuse()
    body = checked.body
    if not (body.description or "").strip():
        raise ValidationFailed({"description": gettext("This field is required.")})
    try:
        found = suggest(body.description or "", body.title, body.address)
    except NoModel:
        raise ApiError(
            503,
            "no_model",
            gettext("No routing model has been trained yet (flask routing train)."),
        ) from None
    return jsonify(plain(answer(found)))


def _choices(ranked: list[Choice]) -> list[RoutingChoice]:
    return [RoutingChoice(code=c.code, name=c.name, score=round(c.score, 4)) for c in ranked]


def answer(found: Suggestion) -> RoutingSuggestion:
    """The answer's shape (DESIGN.md "Routing suggestions")."""
    return RoutingSuggestion(
        units=_choices(found.units),
        categories=_choices(found.categories),
        auto_unit=found.auto_unit.code if found.auto_unit else None,
        model=RoutingModelInfo(trained_at=found.trained_at, trained_on=found.trained_on),
    )
