"""The OpenAPI description matches the code: every route is described, every answer conforms.

The fuzz run lets schemathesis generate requests for every described
operation — valid ones and ones that break the schema — and checks each
answer: never a 5xx, a documented status code and content type, a body that
validates against the documented schema.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from complaints.api.openapi import build_spec
from complaints.routing import training
from tests.api_helpers import bearer, open311_key
from tests.conftest import Cast, MakeComplaint
from tests.routing_helpers import write_history

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
# Per operation and generation mode: enough to find crashes and drift, quick on two cores.
EXAMPLES = 8


def spec_path(rule: str) -> str:
    """A Flask rule as the spec writes it: {name} parameters, the .json variant of Open311."""
    rule = re.sub(r"<any\([^)]*\):fmt>", "json", rule)
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def test_every_api_route_is_described_and_nothing_else(app: Flask) -> None:
    routed = {
        (spec_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/api/", "/open311/"))
        for method in (rule.methods or set()) & METHODS
    }
    described = {(path, method) for path, item in build_spec()["paths"].items() for method in item}
    assert routed == described


def test_the_spec_is_served_and_rendered_for_people(client, app_ctx) -> None:
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for path in spec["paths"]:
        assert path in html
    assert "NewComplaint" in html and "Open311ServiceRequest" in html


# --- fuzz --------------------------------------------------------------------------------


@pytest.fixture
def credentials(cast: Cast, make_complaint: MakeComplaint) -> dict[str, Any]:
    """A token that reaches everything and an Open311 key, plus data worth reading."""
    make_complaint(status="verified", name="Siti Rahma")
    make_complaint(status="resolved")
    # A routing model, so POST /api/v1/routing/suggest answers its 200 (not 503 no_model).
    write_history(60)
    training.train()
    return {"token": bearer(cast.admin), "api_key": open311_key("fuzz")}


def run_operation(
    operation: Any,
    mode: Any,
    credentials: dict[str, Any],
    auth_storage: Any,
    examples: int = EXAMPLES,
) -> None:
    """Fuzz one operation in one generation mode, with a few examples (fast, reproducible)."""
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    if operation.path.startswith("/api/v1"):
        checks.append(ignored_auth)  # a secured operation must refuse a missing token

    @given(case=operation.as_strategy(generation_mode=mode, auth_storage=auth_storage))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def exercise(case: Any) -> None:
        if operation.path == "/open311/v2/requests.json" and isinstance(case.body, dict):
            case.body["api_key"] = credentials["api_key"]  # reach past the 403 to intake
        # The WSGI transport does not decompress, and Flask-Compress would answer in brotli.
        case.call_and_validate(headers={"Accept-Encoding": "identity"}, checks=checks)

    try:
        exercise()
    except Unsatisfiable:
        # No parameter or body to break: negative mode has nothing to send.
        assert mode is GenerationMode.NEGATIVE, f"no request generated for {operation.label}"


def test_every_operation_answers_as_documented(app: Flask, credentials: dict[str, Any]) -> None:
    fuzz_every_operation(app, credentials)


def fuzz_every_operation(app: Flask, credentials: dict[str, Any], examples: int = EXAMPLES) -> None:
    """Fuzz every described operation, valid and schema-breaking requests, ``examples`` each."""
    # schemathesis.pytest.from_fixture needs pytest internals that pytest 9.2 renamed, so
    # each operation's Hypothesis strategy is driven directly (schemathesis' documented way
    # to use it "with @given in non-Schemathesis tests").
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    token = credentials["token"]

    # Through schemathesis' auth hook, so ignored_auth knows the header is ours: it
    # resends without it (and with a bad one) and expects a 401 from secured operations.
    @loaded.auth(refresh_interval=None)
    class AdminToken:
        def get(self, case: Any, context: Any) -> dict[str, str]:
            return token

        def set(self, case: Any, data: dict[str, str], context: Any) -> None:
            case.headers = {**(case.headers or {}), **data}

    operations = [result.ok() for result in loaded.get_all_operations()]
    # Everything but the document itself, which schemathesis leaves out of its run.
    assert len(operations) == sum(len(item) for item in build_spec()["paths"].values()) - 1
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run_operation(operation, mode, credentials, loaded.auth, examples)
