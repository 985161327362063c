"""SP4N-LAPOR!: importing the national complaint system's admin export (DESIGN.md).

- :mod:`.reading`: the .xlsx or .csv file into numbered rows of named cells;
- :mod:`.values` and :mod:`.rows`: each row's cells as Aduan stores them;
- :mod:`.writing`: the complaint a row becomes, new or history;
- :mod:`.importing`: batches, the caches, the summary ``flask lapor import`` prints;
- :mod:`.cli`: ``flask lapor import`` and ``flask units``.
"""

from __future__ import annotations

from complaints.workflow import Actor

from .importing import ImportOptions, ImportSummary, PreviewRow, import_rows
from .reading import COLUMNS, ImportRefused, read_export


def import_file(data: bytes, filename: str, options: ImportOptions, actor: Actor) -> ImportSummary:
    """Import a LAPOR! export's bytes (``filename`` tells .xlsx from .csv when in doubt)."""
    return import_rows(read_export(data, filename), options, actor)


__all__ = [
    "COLUMNS",
    "ImportOptions",
    "ImportRefused",
    "ImportSummary",
    "PreviewRow",
    "import_file",
    "import_rows",
    "read_export",
]
