"""Page sizes of the JSON API's lists (the keyset itself is :mod:`complaints.staff.keyset`)."""

from __future__ import annotations

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
