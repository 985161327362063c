"""The one source of time.

Everything that needs "now" calls :func:`now`. Tests and the ``--now`` CLI
options set a fixed instant with :func:`set_now` instead of patching.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_fixed_now: datetime | None = None


def now() -> datetime:
    """Return the current instant, timezone-aware, in UTC."""
    if _fixed_now is not None:
        return _fixed_now
    return datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at ``moment`` (aware), or unfreeze it with ``None``."""
    global _fixed_now
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the clock needs a timezone-aware datetime")
    _fixed_now = moment.astimezone(UTC) if moment is not None else None


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """Run a block with the clock frozen at ``moment``."""
    previous = _fixed_now
    set_now(moment)
    try:
        yield
    finally:
        set_now(previous)
