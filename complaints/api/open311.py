"""Open311 GeoReport v2 at /open311/v2 (https://wiki.open311.org/GeoReport_v2).

- ``discovery``, ``services``, ``services/<service_code>``: from active
  categories (``service_code`` = category code, ``group`` = its unit).
- ``POST requests``: form-encoded, needs an ``api_key`` an admin issued
  (``flask open311 keys create NAME``); goes through ``submit_complaint``
  with channel ``open311`` and answers 201 with
  ``[{"service_request_id": <tracking code>, …}]``. ``media_url`` is never
  fetched (no outbound requests to arbitrary hosts); a valid http(s) URL is
  kept as an internal note for staff. An optional ``Idempotency-Key`` header
  makes retries safe, as in our own API.
- ``GET requests``: never confidential or hidden complaints; default window
  the last 90 days, at most 1000, newest first.
- ``GET requests/<id>``: 404 for a confidential complaint.

Errors are Open311's array of ``{code, description}``: 403 for a missing or
bad api_key, 404 for an unknown resource, 400 for anything else the request
got wrong. ``.json`` and ``.xml`` are both served.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from flask import Blueprint, Response, current_app, request
from flask_babel import get_locale, gettext
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException, InternalServerError

from complaints import clock, reporter_keys, workflow
from complaints.categories import active_categories
from complaints.codes import complaint_by_code, normalize_code
from complaints.errors import DomainError, ValidationFailed
from complaints.extensions import db, limiter
from complaints.intake import Contact, submit_complaint
from complaints.metrics import publicly_listed
from complaints.models import Category, Channel, Complaint, Open311Key
from complaints.notify import tracking_url
from complaints.ratelimit import CODE_LOOKUP_SCOPE, client_address, code_lookup_budget
from complaints.workflow import Actor

from . import idempotency
from .auth import find_open311_key
from .errors import copy_headers, http_error_message, register_http_error_handler
from .inputs import unstorable_parameters
from .open311_bodies import (
    Open311Created,
    Open311Discovery,
    Open311Endpoint,
    Open311NewRequest,
    Open311ServiceDefinition,
    plain,
)
from .open311_format import errors_payload, render, service_json, service_request_json, statuses_for

logger = logging.getLogger(__name__)
bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's behaviour last changed (discovery's changeset).
CHANGESET = "2026-11-25T00:00:00Z"
DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
# Each id asked for is a tracking-code lookup, counted against the daily budget.
MAX_REQUEST_IDS = 20
MAX_MEDIA_URL = 2000
FORMAT = "<any(json, xml):fmt>"
# Our field names in validation messages, as an Open311 client named them.
_FIELD_NAMES = {"lon": "long", "address": "address_string", "name": "first_name"}


class Open311Error(Exception):
    """A refusal in Open311's form: an HTTP status and one or more (code, description)."""

    def __init__(self, status: int, *errors: tuple[int, str]) -> None:
        super().__init__(errors)
        self.status = status
        self.errors = list(errors) or [(status, "")]


def _fmt() -> str:
    return "xml" if request.path.endswith(".xml") else "json"


def _error_response(status: int, errors: list[tuple[int, str]]) -> Response:
    return render(errors_payload(errors), _fmt(), "errors", status)


@bp.errorhandler(Open311Error)
def open311_error(error: Open311Error) -> Response:
    db.session.rollback()
    return _error_response(error.status, error.errors)


@bp.errorhandler(InternalServerError)
def crashed(error: InternalServerError) -> Response:
    db.session.rollback()
    return _error_response(
        500, [(500, gettext("Something went wrong on our side. Please try again."))]
    )


def http_error(error: HTTPException) -> Response:
    status = error.code or 400
    response = _error_response(status, [(status, http_error_message(status))])
    copy_headers(error, response)
    return response


register_http_error_handler(bp, http_error)


def http_error_for_path(error: HTTPException) -> Response:
    """The Open311 answer for a URL under /open311/ that matched no route."""
    return http_error(error)


@bp.before_request
def refuse_unstorable_parameters() -> None:
    """NUL characters would crash the database driver: refuse them before any query."""
    if unstorable_parameters(request.view_args or {}):
        raise Open311Error(404, (404, gettext("We could not find that page.")))
    sources = [request.args, request.form] if request.method == "POST" else [request.args]
    for name in unstorable_parameters(*sources):
        raise Open311Error(
            400, (400, gettext("%(name)s contains characters that are not allowed.", name=name))
        )


def _locale() -> str:
    return str(get_locale() or "id")


def _client_key() -> str:
    """Rate-limit key for writes: the api_key's client (many citizens share one app)."""
    key = request.form.get("api_key") or request.args.get("api_key") or ""
    return f"open311:{key[-16:]}" if key else f"ip:{client_address()}"


# Each made-up api_key would have a budget of its own: refused keys also count
# per address, so one address cannot go on guessing.
REFUSED_KEY_LIMIT = "30/minute;300/day"


def _key_refused(response: Response) -> bool:
    return response.status_code == 403


# --- discovery and services ----------------------------------------------------------------


@bp.get(f"/discovery.{FORMAT}")
@limiter.limit("60/minute")
def discovery(fmt: str) -> Response:
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    endpoint_url = base.rstrip("/") + bp.url_prefix if bp.url_prefix else base
    found = Open311Discovery(
        changeset=CHANGESET,
        contact=gettext("Complaint service of the Bone Bolango Regency Government."),
        key_service=gettext("Ask the regency's administrators for an api_key."),
        endpoints=[
            Open311Endpoint(
                specification=SPECIFICATION,
                url=endpoint_url,
                changeset=CHANGESET,
                type="production",
                formats=["application/json", "text/xml"],
            )
        ],
    )
    return render(plain(found), fmt, "discovery")


@bp.get(f"/services.{FORMAT}")
@limiter.limit("60/minute")
def services(fmt: str) -> Response:
    locale = _locale()
    return render([service_json(c, locale) for c in active_categories()], fmt, "services")


def _service(service_code: str) -> Category:
    category = db.session.scalar(
        select(Category).where(Category.code == service_code, Category.active.is_(True))
    )
    if category is None:
        raise Open311Error(404, (404, gettext("No service has this service_code.")))
    return category


@bp.get(f"/services/<service_code>.{FORMAT}")
@limiter.limit("60/minute")
def service_definition(service_code: str, fmt: str) -> Response:
    """Our services take no extra attributes (metadata is false everywhere)."""
    category = _service(service_code)
    definition = Open311ServiceDefinition(service_code=category.code, attributes=[])
    return render(plain(definition), fmt, "service_definition")


# --- requests ----------------------------------------------------------------------------


def _float(name: str, raw: str | None) -> float | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(400, (400, gettext("%(name)s must be a number.", name=name))) from None


def _media_url(form: Open311NewRequest) -> str | None:
    raw = (form.media_url or "").strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if len(raw) > MAX_MEDIA_URL or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise Open311Error(400, (400, gettext("media_url must be an http or https URL.")))
    return raw


def _api_client(form: Open311NewRequest) -> Open311Key:
    key = find_open311_key(form.api_key or request.args.get("api_key"))
    if key is None:
        raise Open311Error(
            403, (403, gettext("Missing or invalid api_key: cannot create the request."))
        )
    return key


def _location(form: Open311NewRequest) -> tuple[float | None, float | None, str | None]:
    lat, lon = _float("lat", form.lat), _float("long", form.long)
    address = (form.address_string or "").strip() or None
    if (lat is None or lon is None) and address is None:
        raise Open311Error(
            400,
            (400, gettext("Give a location: lat and long, or address_string.")),
        )
    return lat, lon, address


def _external_id(client: Open311Key) -> str | None:
    fields = {name: request.form.getlist(name) for name in request.form if name != "api_key"}
    try:
        return idempotency.external_id_for(
            Channel.OPEN311.value,
            idempotency.requested_key(),
            idempotency.body_fingerprint(fields),
            scope=f"open311-key-{client.id}",
        )
    except idempotency.IdempotencyProblem as problem:
        raise Open311Error(400, (problem.status, problem.message)) from None


def _validation_errors(failure: ValidationFailed) -> Open311Error:
    return Open311Error(
        400,
        *[
            (400, f"{_FIELD_NAMES.get(field, field)}: {message}")
            for field, message in failure.fields.items()
        ],
    )


@bp.post(f"/requests.{FORMAT}")
@limiter.limit("60/minute;2000/day", key_func=_client_key)
@limiter.limit(REFUSED_KEY_LIMIT, key_func=client_address, deduct_when=_key_refused)
def create_request(fmt: str) -> Response:
    form = Open311NewRequest.read(request.form)
    client = _api_client(form)
    service_code = (form.service_code or "").strip()
    if not service_code:
        raise Open311Error(400, (400, gettext("service_code is required.")))
    category = _service(service_code)
    lat, lon, address = _location(form)
    media_url = _media_url(form)
    name = " ".join(
        part.strip() for part in (form.first_name, form.last_name) if part and part.strip()
    )
    try:
        result = submit_complaint(
            channel=Channel.OPEN311.value,
            category=category,
            description=form.description,
            lat=lat,
            lon=lon,
            address=address,
            contact=Contact(
                name=name or None,
                phone=form.phone,
                email=form.email,
            ),
            locale=_locale(),
            external_id=_external_id(client),
        )
    except ValidationFailed as failure:
        raise _validation_errors(failure) from None
    complaint = result.complaint
    if result.created:
        logger.info("open311 client %s filed %s", client.name, complaint.code)
        if media_url is not None:
            _keep_media_url(complaint, client, media_url)
    # Only the filing client gets here with this complaint (a replay needs its exact request).
    key = result.reporter_key if result.created else reporter_keys.key_for(complaint)
    notice = gettext(
        "Your complaint has been received. Tracking code: %(code)s. Follow it at %(url)s",
        code=complaint.code,
        url=tracking_url(complaint.code, key),
    )
    created = Open311Created(
        service_request_id=complaint.code, service_notice=notice, account_id=None, reporter_key=key
    )
    return render([plain(created)], fmt, "service_requests", 201 if result.created else 200)


def _keep_media_url(complaint: Complaint, client: Open311Key, media_url: str) -> None:
    """Keep the client's media link for staff, unopened: we never fetch arbitrary URLs."""
    note = gettext(
        "Media link sent by Open311 client %(client)s (not opened by Aduan): %(url)s",
        client=client.name,
        url=media_url,
    )
    try:
        workflow.add_internal_note(complaint, Actor.system("open311"), note)
        workflow.commit()
    except DomainError:
        # The complaint exists and the client has its id; a lost note must not fail the call.
        logger.exception("could not keep the media_url of %s", complaint.code)
        db.session.rollback()


def _instant(name: str) -> datetime | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Open311Error(
            400,
            (400, gettext("%(name)s must be a W3C date, e.g. 2026-11-25T00:00:00Z.", name=name)),
        ) from None
    # A date without an offset is taken as UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _window() -> tuple[datetime, datetime]:
    """[start, end], both included: the last 90 days unless asked; never more than 90 days."""
    start, end = _instant("start_date"), _instant("end_date")
    try:
        if start is None:
            end = end or clock.now()
            start = end - DEFAULT_WINDOW
        elif end is None:
            end = start + DEFAULT_WINDOW
    except OverflowError:  # a date at the edge of the calendar, e.g. 9999-12-31
        start = end = None
    if start is None or end is None or end < start or end - start > DEFAULT_WINDOW:
        raise Open311Error(400, (400, gettext("start_date and end_date may span at most 90 days.")))
    return start, end


def _comma_list(name: str) -> list[str]:
    return [
        part.strip()
        for raw in request.args.getlist(name)
        for part in raw.split(",")
        if part.strip()
    ]


def _listed() -> Select[tuple[Complaint]]:
    """What /stats lists too: checked by staff, not confidential, not hidden, not merged."""
    return (
        select(Complaint)
        .options(
            joinedload(Complaint.category),
            joinedload(Complaint.unit),
            joinedload(Complaint.reporter),
        )
        .where(publicly_listed())
    )


def _filtered_requests() -> Select[tuple[Complaint]]:
    query = _listed()
    ids = _comma_list("service_request_id")
    if ids:
        if len(ids) > MAX_REQUEST_IDS:
            raise Open311Error(
                400,
                (
                    400,
                    gettext("Ask for at most %(count)d service_request_id.", count=MAX_REQUEST_IDS),
                ),
            )
        # The spec: a list of ids overrides every other filter.
        codes = [code for code in (normalize_code(raw) for raw in ids) if code]
        return query.where(Complaint.code.in_(codes))
    statuses = _comma_list("status")
    if any(status not in ("open", "closed") for status in statuses):
        raise Open311Error(400, (400, gettext("status must be open or closed.")))
    if statuses and len(set(statuses)) == 1:
        query = query.where(Complaint.status.in_(statuses_for(statuses[0])))
    if service_codes := _comma_list("service_code"):
        query = query.where(
            Complaint.category_id.in_(select(Category.id).where(Category.code.in_(service_codes)))
        )
    start, end = _window()
    return query.where(Complaint.created_at >= start, Complaint.created_at <= end)


def _ids_asked() -> int:
    return len(_comma_list("service_request_id"))


@bp.get(f"/requests.{FORMAT}")
@limiter.limit("60/minute")
@limiter.shared_limit(
    code_lookup_budget,
    scope=CODE_LOOKUP_SCOPE,
    cost=lambda: min(_ids_asked(), MAX_REQUEST_IDS),
    exempt_when=lambda: _ids_asked() == 0,
)
def requests_list(fmt: str) -> Response:
    query = _filtered_requests()
    rows = db.session.scalars(
        query.order_by(Complaint.created_at.desc(), Complaint.id.desc()).limit(MAX_REQUESTS)
    )
    locale = _locale()
    return render([service_request_json(row, locale) for row in rows], fmt, "service_requests")


@bp.get(f"/requests/<service_request_id>.{FORMAT}")
@limiter.limit("60/minute")
@limiter.shared_limit(code_lookup_budget, scope=CODE_LOOKUP_SCOPE)
def request_detail(service_request_id: str, fmt: str) -> Response:
    complaint = complaint_by_code(service_request_id)
    if complaint is None or complaint.confidential or complaint.hidden_from_public:
        raise Open311Error(404, (404, gettext("No service request has this id.")))
    return render([service_request_json(complaint, _locale())], fmt, "service_requests")
