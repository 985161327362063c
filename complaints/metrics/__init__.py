"""The complaint-handling figures of the public-service assessment, as SQL aggregates.

Callers use this package's names (``from complaints import metrics;
metrics.report(...)``); each module holds one concern:

* :mod:`.periods` — a report's period and unit scope, the shared conditions;
* :mod:`.counts` — the grouped counts and rates;
* :mod:`.percentiles` — the working-time duration figures;
* :mod:`.parts` — what is read from the complaints (stored for ended periods);
* :mod:`.indicators` — indicators 27 and 28 and the IKM;
* :mod:`.figures` — :func:`report`, the whole report;
* :mod:`.stored` and :mod:`.preparation` — the stored parts and their upkeep;
* :mod:`.volume` — the weekly volume chart's data;
* :mod:`.complaint_list` — the complaints behind a report, for the exports.
"""

from __future__ import annotations

from .complaint_list import COMPLAINT_COLUMNS, cohort_query, cohort_rows
from .counts import COUNT_NAMES, MIN_COUNT, count_columns, count_rows, overdue_by, rate
from .figures import report
from .indicators import band, indicator_27, surveys
from .parts import AGE_BUCKETS, AGE_EDGES, aged_boundary, backlog_rows, undocumented
from .percentiles import duration_summaries
from .periods import Period, Scope, overdue_at, publicly_listed, scope_of
from .preparation import PREPARE_INTERVAL_SECONDS, prepare_ended_periods, refresh
from .stored import served_from_storage
from .volume import weekly_volume

# The names tests/test_metrics.py has always read.
_count_columns = count_columns
_COUNT_NAMES = COUNT_NAMES

__all__ = [
    "AGE_BUCKETS",
    "AGE_EDGES",
    "COMPLAINT_COLUMNS",
    "COUNT_NAMES",
    "MIN_COUNT",
    "PREPARE_INTERVAL_SECONDS",
    "Period",
    "Scope",
    "aged_boundary",
    "backlog_rows",
    "band",
    "cohort_query",
    "cohort_rows",
    "count_columns",
    "count_rows",
    "duration_summaries",
    "indicator_27",
    "overdue_at",
    "overdue_by",
    "prepare_ended_periods",
    "publicly_listed",
    "rate",
    "refresh",
    "report",
    "scope_of",
    "served_from_storage",
    "surveys",
    "undocumented",
    "weekly_volume",
]
