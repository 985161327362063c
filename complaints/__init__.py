"""Aduan: citizen complaint intake and tracking.

The app factory is :func:`complaints.app.create_app`. This package's own
import loads nothing, so that low modules (``sla``, the channels) can import
``complaints.clock`` or ``complaints.models`` without building the app;
``from complaints import create_app`` still works (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app as create_app


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
