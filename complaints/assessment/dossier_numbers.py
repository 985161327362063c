"""Document numbers of issued dossiers: ``NNN/<number code>/<month in Roman>/<year>``.

Each dossier issued (printed page, PDF or the CLI) is one ``ReportRun`` of
kind ``dossier`` carrying its number; the run also counts as a periodic
report for indicator 27. The sequence starts again at 001 each year (the
year and month of issue, in the office's time zone). ``document_number`` is
unique in the database, so two requests that read the same last number
cannot both keep it: the loser's INSERT fails and it reads again.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from complaints import clock
from complaints.extensions import db
from complaints.models import ReportRun, Unit, User

from .dossier_periods import roman
from .letterhead import current_letterhead

logger = logging.getLogger(__name__)

KIND = "dossier"
ATTEMPTS = 10
_SEQUENCE = re.compile(r"^(\d+)/")


def format_number(sequence: int, code: str, issued: date) -> str:
    """ "003/ADUAN/XII/2026"."""
    return f"{sequence:03d}/{code}/{roman(issued.month)}/{issued.year}"


def _last_sequence(year: int) -> int:
    """The highest sequence issued in ``year`` (0 before the first)."""
    numbers = db.session.scalars(
        select(ReportRun.document_number).where(
            ReportRun.kind == KIND, ReportRun.document_number.like(f"%/{year}")
        )
    )
    found = [int(match[1]) for number in numbers if number and (match := _SEQUENCE.match(number))]
    return max(found, default=0)


def issue(user: User | None, start: date, end: date, unit: Unit | None, output: str) -> ReportRun:
    """Record a dossier of ``start``..``end`` (and ``unit``) with the next number; commits.

    ``output`` is "html" (the print page) or "pdf". Raises RuntimeError if
    the number could not be taken after many tries (never seen: each try
    loses only to a dossier issued in that same instant).
    """
    code = current_letterhead().number_code or "ADUAN"
    for _attempt in range(ATTEMPTS):
        moment = clock.now()
        issued = moment.astimezone(ZoneInfo(current_app.config["ADUAN_TIMEZONE"])).date()
        run = ReportRun(
            generated_at=moment,
            user_id=user.id if user else None,
            period_from=start,
            period_to=end,
            unit_id=unit.id if unit else None,
            format=output,
            kind=KIND,
            document_number=format_number(_last_sequence(issued.year) + 1, code, issued),
        )
        db.session.add(run)
        try:
            db.session.commit()
        except IntegrityError:
            # Another dossier took this number between our read and our write.
            db.session.rollback()
            logger.info("dossier number %s taken meanwhile, reading again", run.document_number)
            continue
        logger.info("dossier %s issued for %s..%s", run.document_number, start, end)
        return run
    raise RuntimeError("could not take a dossier number")
