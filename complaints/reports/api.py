"""``GET /api/v1/metrics?from=&to=&unit=``: the report as JSON (DESIGN.md's fixed shape).

Authorized like the rest of the staff JSON API: a staff bearer token
(:mod:`complaints.api.auth`), never the session cookie (the API is
CSRF-exempt). Supervisors get their unit and the units below it, admins
everything; officers 403, no or a bad token 401 — in the API's error format.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from complaints import metrics
from complaints.api.auth import current_api_user, token_required
from complaints.api.errors import ApiError
from complaints.errors import ValidationFailed
from complaints.extensions import csrf
from complaints.models import Role

from . import exports, scope

logger = logging.getLogger(__name__)
bp = Blueprint("metrics_api", __name__)
csrf.exempt(bp)


@bp.get("/api/v1/metrics")
@token_required(roles=[Role.SUPERVISOR, Role.ADMIN])
def metrics_json() -> ResponseReturnValue:
    user = current_api_user()
    try:
        wanted = scope.report_request(user, request.args)
    except ValidationFailed as failure:
        raise ApiError(422, failure.code, failure.message, failure.fields) from None
    except PermissionError:
        raise ApiError(403, "forbidden", gettext("That unit is outside your reach.")) from None
    figures = metrics.report(wanted.start, wanted.end, wanted.unit_code)
    exports.record_run(user, wanted.start, wanted.end, wanted.unit_code, "api")
    return jsonify(figures)
