"""The OpenAPI 3.1 description of /api/v1 and /open311/v2: operations here, shapes generated.

The operations (paths, parameters, statuses) are written here, so the views
stay plain Flask; the components are the JSON Schemas of the pydantic models
in :mod:`.request_bodies`, :mod:`.response_bodies` and :mod:`.open311_bodies`,
the same models the views read and answer with. Tests keep it honest: every
route under /api/ and /open311/ is described (and nothing more), and
schemathesis fuzzes every operation against it. Served at
``GET /api/openapi.json`` and rendered for people at ``GET /api/docs``.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from pydantic_core import CoreSchema

from complaints.models import Channel

from . import open311_bodies as o311
from . import request_bodies, routing_bodies
from . import response_bodies as answer
from .pagination import MAX_LIMIT

Schema = dict[str, Any]
STRING: Schema = {"type": "string"}
INSTANT: Schema = {"type": "string", "format": "date-time"}
REF_TEMPLATE = "#/components/schemas/{model}"


def ref(model: type[BaseModel]) -> Schema:
    """A reference to the component generated from ``model``."""
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


class _ComponentSchema(GenerateJsonSchema):
    """pydantic's JSON Schema without a title on every property (the name says it)."""

    def field_title_should_be_set(self, schema: CoreSchema) -> bool:
        return False


@cache
def _components() -> dict[str, Schema]:
    """Every model's schema by its class name: request bodies as read, answers as written."""
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        *((model, "validation") for model in request_bodies.BODIES),
        *((model, "validation") for model in routing_bodies.BODIES),
        (o311.Open311NewRequest, "validation"),
        *((model, "serialization") for model in answer.ANSWERS),
        *((model, "serialization") for model in routing_bodies.ANSWERS),
        *((model, "serialization") for model in o311.BODIES),
    ]
    _, top = models_json_schema(
        models, ref_template=REF_TEMPLATE, schema_generator=_ComponentSchema
    )
    return dict(sorted(top["$defs"].items()))


VERSION = "1.0.0"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def _content(schema: Schema, media_type: str = JSON) -> dict[str, Any]:
    return {media_type: {"schema": schema}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _content(ref(answer.Error))}


def _o311_error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _content(ref(o311.Open311Errors))}


def _ok(description: str, schema: Schema) -> dict[str, Any]:
    return {"description": description, "content": _content(schema)}


def _body(model: type[BaseModel], media_type: str = JSON) -> dict[str, Any]:
    return {"required": True, "content": _content(ref(model), media_type)}


def _list(model: type[BaseModel], most: int | None = None, exactly_one: bool = False) -> Schema:
    schema: Schema = {"type": "array", "items": ref(model)}
    if exactly_one:
        schema.update(minItems=1, maxItems=1)
    elif most is not None:
        schema["maxItems"] = most
    return schema


BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
CODE_PARAMETER = {
    "name": "code",
    "in": "path",
    "required": True,
    "description": "Tracking code (case-insensitive, dashes optional).",
    "schema": STRING,
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string (e.g. a UUID): retries with the same key and body "
    "return the complaint created first, with status 200.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
}
STAFF_ERRORS = {
    "401": _error("Missing, unknown or revoked bearer token."),
    "429": _error("Rate limited."),
}
JSON_BODY_ERRORS = {
    "400": _error("Malformed JSON, or not a JSON object."),
    "413": _error("Body too large."),
    "415": _error("Body is not JSON."),
    "422": _error("Validation failed; `fields` names each problem."),
}


def _query(name: str, description: str, schema: Schema) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _queue_parameters() -> list[dict[str, Any]]:
    return [
        _query(
            "status",
            "A status, or `open` for all open ones.",
            {"type": "string", "enum": [*request_bodies.STATUSES, "open"]},
        ),
        _query("unit", "Unit code (or id).", STRING),
        _query("category", "Category code (or id).", STRING),
        _query(
            "channel", "Intake channel.", {"type": "string", "enum": [c.value for c in Channel]}
        ),
        _query(
            "assignee",
            "`me`, `none` or a user id.",
            {"type": "string", "pattern": "^(me|none|[0-9]+)$"},
        ),
        _query("due", "Deadline filter.", {"type": "string", "enum": ["overdue", "at_risk"]}),
        _query(
            "from",
            "Created on or after this day (YYYY-MM-DD, years 2000–2999).",
            {"type": "string", "format": "date"},
        ),
        _query(
            "to",
            "Created on or before this day (YYYY-MM-DD, years 2000–2999).",
            {"type": "string", "format": "date"},
        ),
        _query("q", "A tracking code, or words of the description.", STRING),
        _query(
            "limit",
            f"Page size, 1–{MAX_LIMIT} (default 50).",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        ),
        _query("cursor", "`next_cursor` of the previous page.", STRING),
    ]


def _api_paths() -> dict[str, Any]:
    return {
        "/api/v1/categories": {
            "get": {
                "tags": ["public"],
                "summary": "Active complaint categories",
                "responses": {
                    "200": _ok("Categories in form order.", _list(answer.Category)),
                    "429": _error("Rate limited."),
                },
            }
        },
        "/api/v1/units": {
            "get": {
                "tags": ["public"],
                "summary": "Active government units",
                "responses": {
                    "200": _ok("Units by code.", _list(answer.Unit)),
                    "429": _error("Rate limited."),
                },
            }
        },
        "/api/v1/complaints": {
            "post": {
                "tags": ["public"],
                "summary": "File a complaint (channel `api`)",
                "description": "Same validation as the web form. 201 with the public view and "
                "the reporter's key; a replay with the same Idempotency-Key and body answers 200 "
                "with the same complaint and key; the same key with another body is refused "
                "with 422.",
                "parameters": [IDEMPOTENCY_KEY],
                "requestBody": _body(request_bodies.NewComplaint),
                "responses": {
                    "201": _ok("Created.", ref(answer.FiledComplaint)),
                    "200": _ok(
                        "Idempotent replay: the complaint created first.",
                        ref(answer.FiledComplaint),
                    ),
                    **JSON_BODY_ERRORS,
                    "429": _error("Rate limited."),
                },
            },
            "get": {
                "tags": ["staff"],
                "summary": "The queue of the token's user, newest first",
                "security": BEARER,
                "parameters": _queue_parameters(),
                "responses": {
                    "200": _ok("One page.", ref(answer.ComplaintPage)),
                    "400": _error("A query parameter is not valid (`fields` names it)."),
                    **STAFF_ERRORS,
                },
            },
        },
        "/api/v1/complaints/{code}": {
            "get": {
                "tags": ["public", "staff"],
                "summary": "One complaint: public view, or staff view with a token",
                "description": "Without a token: the public view (no personal data), also for "
                "confidential complaints — the code is the secret. With a token: the staff "
                "view; 404 when the complaint is outside the token's reach.",
                "security": [{}, *BEARER],
                "parameters": [CODE_PARAMETER],
                "responses": {
                    "200": _ok(
                        "Public view (no token) or staff view (token).",
                        {"anyOf": [ref(answer.PublicComplaint), ref(answer.StaffComplaint)]},
                    ),
                    "404": _error("No such complaint (or outside the token's reach)."),
                    **STAFF_ERRORS,
                },
            }
        },
        "/api/v1/complaints/{code}/transitions": {
            "post": {
                "tags": ["staff"],
                "summary": "Change the status through the workflow",
                "description": "`verified` (unit, category, kind, note), `in_progress` (note), "
                "`resolved` (note = resolution, required), `rejected` (reason, required), "
                "`merged` (duplicate_of). `closed` is the citizen's or the SLA's: 403. "
                "The complaint's own status (verified, in_progress) with `unit` and `reason` "
                "moves it to another unit, status and deadlines unchanged.",
                "security": BEARER,
                "parameters": [CODE_PARAMETER],
                "requestBody": _body(request_bodies.Transition),
                "responses": {
                    "200": _ok("The complaint after the move.", ref(answer.StaffComplaint)),
                    **JSON_BODY_ERRORS,
                    **STAFF_ERRORS,
                    "403": _error("Staff may not make this move."),
                    "404": _error("No such complaint within reach."),
                    "409": _error(
                        "Move not allowed from the current status (`allowed` lists the "
                        "moves), or the complaint changed meanwhile."
                    ),
                },
            }
        },
        "/api/v1/complaints/{code}/assignment": {
            "post": {
                "tags": ["staff"],
                "summary": "Assign to an officer of the unit (null: unassign)",
                "security": BEARER,
                "parameters": [CODE_PARAMETER],
                "requestBody": _body(request_bodies.Assignment),
                "responses": {
                    "200": _ok("The complaint after the assignment.", ref(answer.StaffComplaint)),
                    **JSON_BODY_ERRORS,
                    **STAFF_ERRORS,
                    "404": _error("No such complaint within reach."),
                    "409": _error("Changed meanwhile, or the complaint is finished."),
                },
            }
        },
        "/api/v1/complaints/{code}/messages": {
            "post": {
                "tags": ["staff"],
                "summary": "Reply to the citizen, or add an internal note",
                "security": BEARER,
                "parameters": [CODE_PARAMETER],
                "requestBody": _body(request_bodies.NewMessage),
                "responses": {
                    "201": _ok("The message.", ref(answer.Message)),
                    **JSON_BODY_ERRORS,
                    **STAFF_ERRORS,
                    "404": _error("No such complaint within reach."),
                    "409": _error("Changed meanwhile."),
                },
            }
        },
        "/api/v1/metrics": {
            "get": {
                "tags": ["staff"],
                "summary": "The complaint-handling figures for a period (supervisors, admins)",
                "security": BEARER,
                "parameters": [
                    _query(
                        "from",
                        "First day of the period (YYYY-MM-DD); default 1 January this year.",
                        {"type": "string", "format": "date"},
                    ),
                    _query(
                        "to",
                        "Last day of the period (YYYY-MM-DD); default today.",
                        {"type": "string", "format": "date"},
                    ),
                    _query("unit", "Unit code; a supervisor's default is their unit.", STRING),
                ],
                "responses": {
                    "200": _ok("The report.", ref(answer.MetricsReport)),
                    **STAFF_ERRORS,
                    "403": _error("Officers, or a unit outside a supervisor's reach."),
                    "422": _error("A bad period or an unknown unit."),
                },
            }
        },
        "/api/v1/routing/suggest": {
            "post": {
                "tags": ["staff"],
                "summary": "The routing model's units and categories for a complaint's text",
                "description": "Up to 5 units and 5 categories, best first, scores in 0..1; "
                "`auto_unit` is the unit a complaint without a chosen category would be routed "
                "to on its own (null when the model is not sure enough). 503 `no_model` until "
                "a model has been trained (`flask routing train`).",
                "security": BEARER,
                "requestBody": _body(routing_bodies.RoutingQuery),
                "responses": {
                    "200": _ok("The suggestions.", ref(routing_bodies.RoutingSuggestion)),
                    **JSON_BODY_ERRORS,
                    **STAFF_ERRORS,
                    "503": _error("No routing model has been trained yet (`no_model`)."),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "tags": ["meta"],
                "summary": "This document",
                "responses": {"200": _ok("OpenAPI 3.1.", {"type": "object"})},
            }
        },
        "/api/docs": {
            "get": {
                "tags": ["meta"],
                "summary": "This document as a web page",
                "responses": {
                    "200": {"description": "HTML.", "content": {"text/html": {"schema": STRING}}}
                },
            }
        },
    }


def _o311_get(
    summary: str,
    schema: Schema,
    parameters: list[dict[str, Any]] | None = None,
    description: str = "",
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "tags": ["open311"],
        "summary": summary,
        "responses": {
            "200": _ok("Found. Also served as XML at the same path ending in .xml.", schema),
            "400": _o311_error("A parameter is not valid."),
            "404": _o311_error("Not found."),
            "429": _o311_error("Rate limited."),
        },
    }
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = parameters
    return operation


def _open311_paths() -> dict[str, Any]:
    jurisdiction = _query(
        "jurisdiction_id", "Ignored: this endpoint serves one jurisdiction.", STRING
    )
    return {
        "/open311/v2/discovery.json": {
            "get": _o311_get("Service discovery", ref(o311.Open311Discovery))
        },
        "/open311/v2/services.json": {
            "get": _o311_get(
                "Service list (active categories)",
                _list(o311.Open311Service),
                [jurisdiction],
            )
        },
        "/open311/v2/services/{service_code}.json": {
            "get": _o311_get(
                "Service definition (no attributes)",
                ref(o311.Open311ServiceDefinition),
                [
                    {"name": "service_code", "in": "path", "required": True, "schema": STRING},
                    jurisdiction,
                ],
            )
        },
        "/open311/v2/requests.json": {
            "get": _o311_get(
                "Service requests",
                _list(o311.Open311ServiceRequest, most=1000),
                [
                    jurisdiction,
                    _query(
                        "service_request_id",
                        "Comma-separated ids; overrides other filters.",
                        STRING,
                    ),
                    _query("service_code", "Comma-separated service codes.", STRING),
                    _query(
                        "status",
                        "open, closed or both (comma-separated).",
                        {"type": "string", "pattern": "^(open|closed)(,(open|closed))*$"},
                    ),
                    _query(
                        "start_date", "W3C datetime; default: 90 days before end_date.", INSTANT
                    ),
                    _query(
                        "end_date",
                        "W3C datetime; default: now. At most 90 days after start_date.",
                        INSTANT,
                    ),
                ],
                "Never lists confidential complaints or those staff hid. Status mapping: "
                "received, verified, in_progress → open; resolved, closed, rejected, merged → "
                "closed. Newest first, at most 1000.",
            ),
            "post": {
                "tags": ["open311"],
                "summary": "Create a service request (a complaint on channel `open311`)",
                "description": "Needs an api_key. Also answers in XML at requests.xml. An "
                "optional Idempotency-Key header makes retries safe (200 on a replay).",
                "parameters": [IDEMPOTENCY_KEY],
                "requestBody": _body(o311.Open311NewRequest, FORM),
                "responses": {
                    "201": _ok("Created.", _list(o311.Open311Created, exactly_one=True)),
                    "200": _ok("Idempotent replay.", _list(o311.Open311Created, exactly_one=True)),
                    "400": _o311_error("Missing or invalid fields."),
                    "403": _o311_error("Missing or invalid api_key."),
                    "404": _o311_error("Unknown service_code."),
                    "413": _o311_error("Body too large."),
                    "429": _o311_error("Rate limited."),
                },
            },
        },
        "/open311/v2/requests/{service_request_id}.json": {
            "get": _o311_get(
                "One service request",
                _list(o311.Open311ServiceRequest, exactly_one=True),
                [
                    {
                        "name": "service_request_id",
                        "in": "path",
                        "required": True,
                        "description": "The tracking code.",
                        "schema": STRING,
                    },
                    jurisdiction,
                ],
                "404 for confidential complaints.",
            )
        },
    }


def build_spec() -> dict[str, Any]:
    """The whole OpenAPI document (a fresh dict: callers may change it)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Aduan — complaint service of Kabupaten Bone Bolango",
            "version": VERSION,
            "description": "JSON API (`/api/v1`) and Open311 GeoReport v2 (`/open311/v2`). "
            'Errors of /api/v1 are `{"error": {"code", "message", "fields"}}`; errors of '
            "/open311/v2 are Open311's array of `{code, description}`. Staff endpoints need "
            "`Authorization: Bearer <token>` (`flask api tokens create EMAIL`); a browser "
            "session never authorizes them. Instants are ISO 8601 with an offset.",
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "public", "description": "No authentication; rate limited."},
            {"name": "staff", "description": "Bearer token; acts with the user's role and unit."},
            {
                "name": "open311",
                "description": "GeoReport v2, https://wiki.open311.org/GeoReport_v2",
            },
            {"name": "meta", "description": "This description."},
        ],
        "paths": {**_api_paths(), **_open311_paths()},
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": copy.deepcopy(_components()),
        },
    }
