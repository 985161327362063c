"""Request JSON for the whole app: refused when nested deeper than :data:`MAX_DEPTH`.

Python's JSON decoder recurses once per level of nesting, so a body such as
``[[[[…]]]]`` a few thousand levels deep raises RecursionError (a 500) well
inside any size limit. The app's JSON provider therefore measures the nesting
first, in one pass that does not recurse, and raises :class:`JSONTooDeep`.
Every ``request.get_json`` (the Telegram webhook and its rate-limit key) and
the JSON API's body reader parse through the provider, and one handler turns
the refusal into a 400 in the API's error envelope.

No body the app takes is deep: an API complaint is a flat object, and a
Telegram update nests fewer than ten levels (update → callback query →
message → keyboard → row → button).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext

from complaints.api.errors import error_response

MAX_DEPTH = 32

# A JSON string, so that brackets inside text ("[foto 1]") are not counted.
# Possessive quantifiers: nothing to backtrack into on a hostile body.
_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")


class JSONTooDeep(Exception):
    """A JSON document nested deeper than the app takes.

    Not a ValueError on purpose: ``request.get_json(silent=True)`` swallows
    ValueError into None, and the request would then be refused for some
    other reason, or not at all.
    """

    def __init__(self, limit: int = MAX_DEPTH) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


def nesting_depth(document: str) -> int:
    """How deep arrays and objects nest in ``document`` (0 for a scalar), without recursion.

    Malformed input gets a number too; the decoder refuses it afterwards.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", document))
    depth = deepest = 0
    for bracket in brackets:
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def loads_within_depth(document: str | bytes, limit: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """``json.loads`` that raises :class:`JSONTooDeep` instead of recursing past ``limit``."""
    if isinstance(document, bytes | bytearray):
        # As json.loads decodes bytes; a UnicodeDecodeError is its ValueError too.
        document = document.decode(json.detect_encoding(document), "surrogatepass")
    if nesting_depth(document) > limit:
        raise JSONTooDeep(limit)
    try:
        return json.loads(document, **kwargs)
    except RecursionError:  # a caller's limit above what the stack allows
        raise JSONTooDeep(limit) from None


class DepthLimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, with :func:`loads_within_depth` for every parse."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_within_depth(s, **kwargs)


def too_deep_response(error: JSONTooDeep) -> Response:
    message = gettext(
        "The JSON body is nested too deeply (at most %(limit)d levels).", limit=error.limit
    )
    return error_response(400, "json_too_deep", message)


def init_app(app: Flask) -> None:
    """Parse request JSON with the depth limit and answer a refusal in the API's envelope."""
    app.json = DepthLimitedJSONProvider(app)
    app.register_error_handler(JSONTooDeep, too_deep_response)
