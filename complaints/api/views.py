"""The JSON API at /api/v1: public intake and lookup, and staff endpoints with bearer tokens.

Thin views: read the body as a model of :mod:`.request_bodies`, call intake
or the workflow (:mod:`.actions`), answer with a model of
:mod:`.response_bodies` (filled by :mod:`.representations`). Every error is
JSON (:mod:`.errors`). The blueprint is CSRF-exempt because nothing here reads the
session cookie: staff calls are authorized by the bearer token alone
(:mod:`.auth`).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request, url_for
from flask_babel import get_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from complaints import clock, public, reporter_keys, workflow
from complaints.categories import active_categories, active_category
from complaints.codes import complaint_by_code
from complaints.extensions import db, limiter
from complaints.intake import Contact, IntakeResult, submit_complaint
from complaints.models import Channel, Complaint, Unit
from complaints.ratelimit import CODE_LOOKUP_SCOPE, client_address, code_lookup_budget
from complaints.staff import keyset, queue

from . import actions, idempotency, inputs, representations
from .auth import authenticate, current_api_user, has_bearer_token, token_required
from .errors import ApiError, register_error_handlers
from .request_bodies import Assignment, NewComplaint, NewMessage, Transition, check
from .response_bodies import plain

logger = logging.getLogger(__name__)
bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
register_error_handlers(bp)


@bp.before_request
def refuse_unstorable_parameters() -> None:
    """NUL characters in a query would crash the database driver: refuse them early.

    (Codes in the path need no check: they are normalised before any query.)
    """
    names = inputs.unstorable_parameters(request.args)
    if names:
        raise ApiError(
            400,
            "invalid_query",
            gettext("Some query parameters are not valid."),
            {
                name: gettext("This text contains characters that are not allowed.")
                for name in names
            },
        )


PUBLIC_WRITE_LIMIT = "10/minute;100/day"
PUBLIC_READ_LIMIT = "60/minute"
STAFF_LIMIT = "600/minute"


def _locale() -> str:
    return str(get_locale() or "id")


def _token_or_address() -> str:
    """Rate-limit key: the token for staff calls (many staff share an office IP)."""
    header = request.headers.get("Authorization", "")
    return f"token:{header[-16:]}" if header else f"ip:{client_address()}"


# --- public ----------------------------------------------------------------------------


@bp.get("/categories")
@limiter.limit(PUBLIC_READ_LIMIT)
def categories() -> Response:
    """Active categories, in the order of the web form."""
    locale = _locale()
    return jsonify([plain(representations.category(row, locale)) for row in active_categories()])


@bp.get("/units")
@limiter.limit(PUBLIC_READ_LIMIT)
def units() -> Response:
    """Active units (OPD) with their parent, so clients can fill forms and filters."""
    rows = db.session.scalars(
        select(Unit)
        .options(joinedload(Unit.parent))
        .where(Unit.active.is_(True))
        .order_by(Unit.code)
    )
    return jsonify([plain(representations.unit(row)) for row in rows])


def _submit_from(
    payload: dict[str, object], idempotent: idempotency.IdempotentRequest
) -> IntakeResult:
    checked = check(NewComplaint, payload)
    checked.refuse()  # every wrongly typed field at once; content is intake's to judge
    body = checked.body
    return submit_complaint(
        channel=Channel.API.value,
        category=active_category(body.category),
        description=body.description,
        kind=body.kind,
        lat=body.lat,
        lon=body.lon,
        address=body.address,
        kecamatan=body.kecamatan,
        desa=body.desa,
        contact=Contact(name=body.name, phone=body.phone, email=body.email),
        anonymous=bool(body.anonymous),
        confidential=bool(body.confidential),
        locale=body.locale or _locale(),
        external_id=idempotent.external_id,
        external_id_is_new=idempotent.first_use,
    )


@bp.post("/complaints")
@limiter.limit(PUBLIC_WRITE_LIMIT)
def create_complaint() -> tuple[Response, int]:
    """File a complaint. 201 when created; 200 with the same complaint on an idempotent replay."""
    payload = inputs.json_body()
    try:
        key = idempotency.requested_key()
        idempotent = idempotency.resolve(
            Channel.API.value, key, idempotency.body_fingerprint(payload)
        )
    except idempotency.IdempotencyProblem as problem:
        code = "invalid_idempotency_key" if problem.status == 400 else "idempotency_key_reused"
        raise ApiError(
            problem.status, code, problem.message, {problem.field: problem.message}
        ) from None
    result = _submit_from(payload, idempotent)
    complaint, created = result.complaint, result.created
    # A replay comes from the client that filed it (same Idempotency-Key, same body).
    key = result.reporter_key if created else reporter_keys.key_for(complaint)
    # The shape of response_bodies.FiledComplaint, sent as public_json built it: reading
    # our own dict back through the model would cost ~20 µs on the hottest path, for
    # nothing tests/test_api_shapes.py does not already check.
    response = jsonify({**public.public_json(complaint), "reporter_key": key})
    response.headers["Location"] = url_for(".complaint", code=complaint.code)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response, 201 if created else 200


@bp.get("/complaints/<code>")
@limiter.limit(PUBLIC_READ_LIMIT, exempt_when=has_bearer_token)
@limiter.shared_limit(code_lookup_budget, scope=CODE_LOOKUP_SCOPE, exempt_when=has_bearer_token)
def complaint(code: str) -> Response:
    """The public view for anyone holding the code; the staff view with a bearer token."""
    user = authenticate()
    if user is None:
        found = complaint_by_code(code)
        if found is None:
            raise actions.not_found()
        return jsonify(public.public_json(found))
    visible = actions.visible_complaint(user, code)
    return jsonify(plain(representations.complaint_detail(visible, user)))


# --- staff (bearer token) --------------------------------------------------------------


@bp.get("/complaints")
@limiter.limit(STAFF_LIMIT, key_func=_token_or_address)
@token_required()
def complaint_list() -> Response:
    """The queue for the token's user: the queue's filters, newest first, cursor pages."""
    user = current_api_user()
    args = inputs.queue_args(request.args)
    limit = inputs.page_limit(request.args)
    order = keyset.ORDERS["newest"]
    position = None
    if cursor := request.args.get("cursor"):
        try:
            position = keyset.decode_cursor(cursor, order)
        except keyset.BadCursor:
            raise ApiError(
                400,
                "invalid_query",
                gettext("Some query parameters are not valid."),
                {"cursor": gettext("This cursor is not valid; start again without it.")},
            ) from None
    page = keyset.page(queue.filtered(user, args, clock.now()), order, limit, after=position)
    return jsonify(
        items=[plain(representations.complaint_summary(row)) for row in page.complaints],
        next_cursor=page.next_cursor,
    )


def _detail_for_action(code: str) -> Complaint:
    return actions.visible_complaint(current_api_user(), code)


def _loaded_detail(complaint: Complaint) -> Response:
    # Reload the thread and the log: the action appended to both.
    db.session.expire(complaint, ["messages", "events"])
    return jsonify(plain(representations.complaint_detail(complaint, current_api_user())))


@bp.post("/complaints/<code>/transitions")
@limiter.limit(STAFF_LIMIT, key_func=_token_or_address)
@token_required()
def transition(code: str) -> Response:
    """Move the complaint to ``to``; 409 with the allowed moves when the table forbids it."""
    complaint = _detail_for_action(code)
    actions.move(complaint, current_api_user(), check(Transition, inputs.json_body()))
    workflow.commit()
    return _loaded_detail(complaint)


@bp.post("/complaints/<code>/assignment")
@limiter.limit(STAFF_LIMIT, key_func=_token_or_address)
@token_required()
def assignment(code: str) -> Response:
    """Give the complaint to an officer of its unit, or take it back with ``null``."""
    complaint = _detail_for_action(code)
    checked = check(Assignment, inputs.json_body())
    checked.refuse_missing()
    checked.refuse("version")
    actions.check_version(complaint, checked.body.version)
    checked.refuse("assignee")
    user = current_api_user()
    actions.assign(complaint, workflow.Actor.staff(user), checked.body.assignee)
    actions.audit(user, "assign", complaint)
    workflow.commit()
    return _loaded_detail(complaint)


@bp.post("/complaints/<code>/messages")
@limiter.limit(STAFF_LIMIT, key_func=_token_or_address)
@token_required()
def message(code: str) -> tuple[Response, int]:
    """A public reply to the citizen (``public: true``) or an internal note."""
    complaint = _detail_for_action(code)
    checked = check(NewMessage, inputs.json_body())
    checked.refuse()
    created = actions.post_message(complaint, current_api_user(), checked.body)
    workflow.commit()
    return jsonify(plain(representations.message(created))), 201
