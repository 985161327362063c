"""A toy regency's routing history written straight into the complaints table (LAPOR! history)."""

from __future__ import annotations

from typing import Any

from bench.routing_corpus import history
from bench.routing_corpus import write_history as write_examples


def write_history(count: int = 200, units: int = 4, **options: Any) -> None:
    """``count`` complaints routed by LAPOR! history, inserted in one statement."""
    write_examples(history(count, units=units, **options), code_prefix="ADU-HIST-")
