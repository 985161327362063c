"""The API description: ``GET /api/openapi.json`` for programs, ``GET /api/docs`` for people."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, render_template

from complaints.extensions import limiter

from .errors import register_error_handlers
from .openapi import build_spec

logger = logging.getLogger(__name__)
bp = Blueprint("api_docs", __name__, url_prefix="/api")
register_error_handlers(bp)

METHODS = ("get", "post", "put", "patch", "delete")


@bp.get("/openapi.json")
@limiter.exempt
def openapi_json() -> Response:
    return jsonify(build_spec())


def _schema_label(schema: dict[str, Any]) -> str:
    """A short human form of a schema: its type, $ref name, enum or item type."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_schema_label(member) for member in schema["anyOf"])
    kind = schema.get("type", "any")
    label = " | ".join(kind) if isinstance(kind, list) else str(kind)
    if kind == "array" and "items" in schema:
        label = f"array of {_schema_label(schema['items'])}"
    if "enum" in schema:
        label += ": " + ", ".join(str(value) for value in schema["enum"])
    if "format" in schema:
        label += f" ({schema['format']})"
    return label


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    operations = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                body = operation.get("requestBody", {}).get("content", {})
                operations.append(
                    {
                        "method": method.upper(),
                        "path": path,
                        "anchor": f"{method}-{path}".replace("/", "-").strip("-"),
                        "operation": operation,
                        "secured": any(req for req in operation.get("security", [])),
                        "body": [
                            (media_type, _schema_label(content["schema"]))
                            for media_type, content in body.items()
                        ],
                    }
                )
    return operations


@bp.get("/docs")
def docs() -> str:
    spec = build_spec()
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=_operations(spec),
        schemas=spec["components"]["schemas"],
        label=_schema_label,
    )
