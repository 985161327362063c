"""Component schemas of the OpenAPI description: the JSON shapes the API sends and takes.

Kept in step with :mod:`.representations`, :mod:`.open311_format` and the
input readers by the fuzz test, which validates every answer against them.
"""

from __future__ import annotations

from typing import Any

from complaints.models import Kind, Status

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """``schema`` or null (JSON Schema 2020-12, as OpenAPI 3.1 uses it)."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    return {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
INSTANT: Schema = {"type": "string", "format": "date-time"}
STATUSES = [status.value for status in Status]


def obj(properties: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    """An object whose listed properties are all present unless ``required`` says otherwise."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        **extra,
    }


def api_schemas() -> dict[str, Schema]:
    deadlines = obj({name: nullable(INSTANT) for name in ("verify", "response", "resolve")})
    person = obj({"id": {"type": "integer"}, "email": STRING, "name": STRING})
    summary_properties: dict[str, Schema] = {
        "code": STRING,
        "status": {"type": "string", "enum": STATUSES},
        "kind": STRING,
        "channel": STRING,
        "priority": STRING,
        "category": STRING,
        "unit": nullable(STRING),
        "assignee": nullable(ref("Person")),
        "description": STRING,
        "anonymous": {"type": "boolean"},
        "confidential": {"type": "boolean"},
        "created_at": INSTANT,
        "updated_at": INSTANT,
        "next_action_at": nullable(INSTANT),
        "deadlines": obj(
            {name: nullable(INSTANT) for name in ("verify", "response", "resolve", "confirm")}
        ),
    }
    detail_properties: dict[str, Schema] = {
        **summary_properties,
        "address": nullable(STRING),
        "lat": nullable({"type": "number"}),
        "lon": nullable({"type": "number"}),
        "locale": STRING,
        "hidden_from_public": {"type": "boolean"},
        "verified_at": nullable(INSTANT),
        "first_response_at": nullable(INSTANT),
        "resolved_at": nullable(INSTANT),
        "closed_at": nullable(INSTANT),
        "escalation_level": {"type": "integer"},
        "resolution": nullable(STRING),
        "rejection_reason": nullable(STRING),
        "duplicate_of": nullable(STRING),
        "satisfaction": nullable({"type": "integer"}),
        "reopened_count": {"type": "integer"},
        "version": {"type": "integer"},
        "allowed_transitions": {"type": "array", "items": {"type": "string", "enum": STATUSES}},
        "reporter_visible": {"type": "boolean"},
        "reporter": nullable(ref("Reporter")),
        "messages": {"type": "array", "items": ref("Message")},
        "events": {"type": "array", "items": ref("Event")},
    }
    return {
        "MetricsReport": obj(
            {
                "from": {"type": "string", "format": "date"},
                "to": {"type": "string", "format": "date"},
                "totals": obj(
                    {
                        "received": INTEGER,
                        "completed": INTEGER,
                        "completion_rate": nullable(NUMBER),
                        "completed_on_time": INTEGER,
                        "overdue": INTEGER,
                        "median_resolve_working_hours": nullable(NUMBER),
                    },
                    [
                        "received",
                        "completed",
                        "completion_rate",
                        "completed_on_time",
                        "overdue",
                        "median_resolve_working_hours",
                    ],
                    additionalProperties=True,
                ),
                "by_channel": {"type": "object", "additionalProperties": INTEGER},
                "by_unit": {
                    "type": "array",
                    "items": obj(
                        {"unit": STRING, "received": INTEGER, "completed": INTEGER},
                        ["unit", "received", "completed"],
                        additionalProperties=True,
                    ),
                },
                "indicator_28": obj(
                    {
                        "received": INTEGER,
                        "completed": INTEGER,
                        "received_lapor": INTEGER,
                        "completed_lapor": INTEGER,
                        "score": nullable(STRING),
                    },
                    ["received", "completed", "received_lapor", "completed_lapor", "score"],
                    additionalProperties=True,
                ),
                "ikm": obj(
                    {
                        "value": nullable(NUMBER),
                        "grade": nullable(STRING),
                        "respondents": INTEGER,
                    },
                    ["value", "grade", "respondents"],
                    additionalProperties=True,
                ),
            },
            ["from", "to", "totals", "by_channel", "by_unit", "indicator_28", "ikm"],
            additionalProperties=True,
        ),
        "Error": obj(
            {
                "error": obj(
                    {
                        "code": STRING,
                        "message": STRING,
                        "fields": {"type": "object", "additionalProperties": STRING},
                        "current": STRING,
                        "allowed": {"type": "array", "items": STRING},
                    },
                    required=["code", "message", "fields"],
                )
            }
        ),
        "Category": obj(
            {
                "code": STRING,
                "name": STRING,
                "name_id": STRING,
                "name_en": STRING,
                "description": STRING,
                "default_kind": STRING,
                "unit": nullable(STRING),
            }
        ),
        "Unit": obj(
            {
                "code": STRING,
                "name": STRING,
                "parent": nullable(STRING),
                "is_regency_level": {"type": "boolean"},
                "is_front_office": {"type": "boolean"},
            }
        ),
        "PublicComplaint": obj(
            {
                "code": {**STRING, "description": "Tracking code, e.g. ADU-7K3Q-9M2X."},
                "status": {"type": "string", "enum": STATUSES},
                "kind": STRING,
                "channel": STRING,
                "category": {**STRING, "description": "Category code (Open311 service_code)."},
                "unit": nullable(STRING),
                "created_at": INSTANT,
                "updated_at": INSTANT,
                "deadlines": deadlines,
                "public_replies": {
                    "type": "array",
                    "items": obj({"at": INSTANT, "body": STRING}),
                },
            }
        ),
        "FiledComplaint": {
            "allOf": [
                ref("PublicComplaint"),
                obj(
                    {
                        "reporter_key": {
                            **nullable(STRING),
                            "description": "The reporter's key: give it only to the citizen. "
                            "PUBLIC_BASE_URL/track/<code>?key=<reporter_key> lets them confirm, "
                            "reopen and rate. Null only for a complaint filed before keys existed.",
                        }
                    }
                ),
            ]
        },
        "NewComplaint": obj(
            {
                "kind": {"type": "string", "enum": [kind.value for kind in Kind]},
                "category": {**STRING, "description": "A code from GET /api/v1/categories."},
                "description": {**STRING, "description": "10 to 5000 characters."},
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
                "address": STRING,
                "name": STRING,
                "phone": {**STRING, "description": "Indonesian numbers may omit +62."},
                "email": STRING,
                "anonymous": {"type": "boolean", "default": False},
                "confidential": {"type": "boolean", "default": False},
                "locale": {"type": "string", "enum": ["id", "en"]},
            },
            required=["category", "description"],
            example={
                "category": "road-damage",
                "description": "Jalan berlubang di depan SD Negeri 1 Suwawa.",
                "lat": 0.5412,
                "lon": 123.1291,
            },
        ),
        "Person": person,
        "Reporter": obj(
            {
                "name": nullable(STRING),
                "phone": nullable(STRING),
                "email": nullable(STRING),
                "nik": nullable(STRING),
                "erased": {"type": "boolean"},
            }
        ),
        "Message": obj(
            {
                "id": {"type": "integer"},
                "at": INSTANT,
                "kind": {"type": "string", "enum": ["public_reply", "internal_note", "inbound"]},
                "public": {"type": "boolean"},
                "body": STRING,
                "channel": nullable(STRING),
                "author": nullable(STRING),
            }
        ),
        "Event": obj(
            {
                "id": {"type": "integer"},
                "at": INSTANT,
                "kind": STRING,
                "actor": nullable(STRING),
                "actor_label": STRING,
                "from_status": nullable(STRING),
                "to_status": nullable(STRING),
                "note": nullable(STRING),
                "public": {"type": "boolean"},
                "data": nullable({"type": "object"}),
            }
        ),
        "ComplaintSummary": obj(summary_properties),
        "StaffComplaint": obj(detail_properties),
        "ComplaintPage": obj(
            {
                "items": {"type": "array", "items": ref("ComplaintSummary")},
                "next_cursor": nullable(
                    {**STRING, "description": "Pass as ?cursor= for the next page."}
                ),
            }
        ),
        "Transition": obj(
            {
                "to": {"type": "string", "enum": STATUSES},
                "note": {
                    **STRING,
                    "description": "Note on the move; for `resolved` the resolution (required).",
                },
                "reason": {
                    **STRING,
                    "description": "Required for `rejected`; told to the citizen.",
                },
                "unit": {**STRING, "description": "Unit code to route to (`verified`)."},
                "category": {**STRING, "description": "Corrected category code (`verified`)."},
                "kind": {"type": "string", "enum": [kind.value for kind in Kind]},
                "duplicate_of": {**STRING, "description": "Tracking code (`merged`)."},
                "assignee": {
                    "type": ["string", "integer", "null"],
                    "description": "E-mail or id of an officer of the unit, assigned too.",
                },
                "version": {
                    "type": "integer",
                    "description": "The version you read; 409 if it changed meanwhile.",
                },
            },
            required=["to"],
        ),
        "Assignment": obj(
            {
                "assignee": {"type": ["string", "integer", "null"]},
                "version": {"type": "integer"},
            },
            required=["assignee"],
        ),
        "NewMessage": obj(
            {
                "body": STRING,
                "public": {
                    "type": "boolean",
                    "default": False,
                    "description": "true: reply to the citizen; false: internal note.",
                },
            },
            required=["body"],
        ),
    }


def open311_schemas() -> dict[str, Schema]:
    open311_error = obj({"code": {"type": "integer"}, "description": STRING})
    return {
        "Open311Errors": {"type": "array", "items": open311_error, "minItems": 1},
        "Open311Discovery": obj(
            {
                "changeset": INSTANT,
                "contact": STRING,
                "key_service": STRING,
                "endpoints": {
                    "type": "array",
                    "items": obj(
                        {
                            "specification": STRING,
                            "url": STRING,
                            "changeset": INSTANT,
                            "type": {"type": "string", "enum": ["production", "test"]},
                            "formats": {"type": "array", "items": STRING},
                        }
                    ),
                },
            }
        ),
        "Open311Service": obj(
            {
                "service_code": STRING,
                "service_name": STRING,
                "description": STRING,
                "metadata": {"type": "boolean"},
                "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
                "keywords": STRING,
                "group": STRING,
            }
        ),
        "Open311ServiceDefinition": obj(
            {"service_code": STRING, "attributes": {"type": "array", "maxItems": 0}}
        ),
        "Open311ServiceRequest": obj(
            {
                "service_request_id": STRING,
                "status": {"type": "string", "enum": ["open", "closed"]},
                "status_notes": nullable(STRING),
                "service_name": STRING,
                "service_code": STRING,
                "description": nullable(STRING),
                "agency_responsible": nullable(STRING),
                "service_notice": nullable(STRING),
                "requested_datetime": INSTANT,
                "updated_datetime": INSTANT,
                "expected_datetime": nullable(INSTANT),
                "address": nullable(STRING),
                "address_id": nullable(STRING),
                "zipcode": nullable(STRING),
                "lat": nullable({"type": "number"}),
                "long": nullable({"type": "number"}),
                "media_url": nullable(STRING),
            }
        ),
        "Open311Created": obj(
            {
                "service_request_id": STRING,
                "service_notice": nullable(STRING),
                "account_id": nullable(STRING),
                "reporter_key": {
                    **nullable(STRING),
                    "description": "The reporter's key, for the citizen only: "
                    "/track/<service_request_id>?key=<reporter_key> lets them confirm and rate.",
                },
            }
        ),
        "Open311NewRequest": obj(
            {
                "api_key": {**STRING, "description": "Issued by `flask open311 keys create`."},
                "jurisdiction_id": {**STRING, "description": "Ignored: one jurisdiction."},
                "service_code": STRING,
                "lat": {"type": "number"},
                "long": {"type": "number"},
                "address_string": STRING,
                "address_id": {**STRING, "description": "Not supported; use address_string."},
                "email": STRING,
                "device_id": STRING,
                "account_id": STRING,
                "first_name": STRING,
                "last_name": STRING,
                "phone": STRING,
                "description": {**STRING, "description": "10 to 5000 characters."},
                "media_url": {
                    **STRING,
                    "description": "An http(s) link; never fetched, kept as a note for staff.",
                },
            },
            required=["api_key", "service_code"],
        ),
    }
