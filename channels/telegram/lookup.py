"""``/status CODE`` and ``/saya``: what a chat may learn about complaints.

``/status`` answers anyone holding a tracking code, exactly as the public
tracking page does: it is built from :func:`complaints.public.public_view`,
so it carries no name, phone, e-mail or NIK and its free text is redacted.
``/saya`` lists only the complaints filed from this very chat.

``/status`` draws on the daily code-lookup budget that the tracking page, the
API and Open311 take per client address. Telegram posts every chat's updates
from its own few addresses, so here the budget is counted per chat, in the
rate-limit storage (Redis when ``REDIS_URL`` is set), which every worker shares.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import gettext
from limits import parse
from sqlalchemy import select

from complaints.codes import complaint_by_code
from complaints.extensions import db, limiter
from complaints.i18n import local_time
from complaints.models import Complaint, Reporter, Status
from complaints.notify import status_label, tracking_url
from complaints.public import public_view
from complaints.ratelimit import CODE_LOOKUP_SCOPE, code_lookup_budget

logger = logging.getLogger(__name__)

MY_REPORTS_LIMIT = 10


def spend_code_lookup(chat_id: int) -> bool:
    """Count one code lookup against the chat's daily budget; False once it is spent."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    budget = parse(code_lookup_budget())
    # Keyed as Flask-Limiter keys its own limits: [prefix,] key, scope.
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    identifiers = [*([prefix] if prefix else []), f"telegram-chat:{chat_id}", CODE_LOOKUP_SCOPE]
    try:
        return bool(limiter.limiter.hit(budget, *identifiers))
    except Exception:  # the storage is unreachable: as the app's limits do, let it through
        logger.exception("rate-limit storage failed; a Telegram code lookup went uncounted")
        return True


def status_text(chat_id: int, raw_code: str, locale: str) -> str:
    """The answer to ``/status CODE`` in the current (forced) locale."""
    raw = raw_code.strip()
    if not raw:
        return gettext(
            "Send the tracking code after the command, for example: /status ADU-7K3Q-9M2X"
        )
    if not spend_code_lookup(chat_id):
        logger.warning("telegram chat ...%s spent its code lookups for today", str(chat_id)[-4:])
        return gettext(
            "You have looked up many tracking codes today, so I cannot look up more until "
            "tomorrow. Send /saya to see the reports made from this chat."
        )
    complaint = complaint_by_code(raw)
    if complaint is None:
        return gettext(
            "No report with the code %(code)s was found. Please check the code.", code=raw[:40]
        )
    view = public_view(complaint, locale)
    lines = [
        gettext("Report %(code)s", code=view.code),
        gettext("Topic: %(category)s", category=view.category),
        gettext("Status: %(status)s", status=view.status_label),
        gettext("Received: %(date)s", date=local_time(view.created_at)),
    ]
    if view.status == Status.REJECTED and view.rejection_reason:
        lines.append(gettext("Reason: %(reason)s", reason=view.rejection_reason))
    if view.status in (Status.RESOLVED, Status.CLOSED) and view.resolution:
        lines.append(gettext("Resolution: %(resolution)s", resolution=view.resolution))
    if view.original_progress:
        lines.append(gettext("Combined report: %(status)s", status=view.original_progress))
    if view.merged_into:
        lines.append(gettext("Follow it under code %(code)s.", code=view.merged_into))
    if view.public_replies:
        latest = view.public_replies[-1]
        lines.append("")
        lines.append(gettext("Latest reply from the unit (%(date)s):", date=local_time(latest.at)))
        lines.append(latest.body)
    lines.append("")
    lines.append(gettext("Details: %(url)s", url=tracking_url(view.code)))
    return "\n".join(lines)


def my_reports_text(chat_id: int, locale: str) -> str:
    """The answer to ``/saya``: the latest complaints filed from this chat."""
    complaints = db.session.scalars(
        select(Complaint)
        .join(Reporter, Complaint.reporter_id == Reporter.id)
        .where(Reporter.telegram_chat_id == str(chat_id), Reporter.erased_at.is_(None))
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .limit(MY_REPORTS_LIMIT)
    ).all()
    if not complaints:
        return gettext("No reports were made from this chat yet. Send /lapor to make one.")
    lines = [gettext("Your reports:")]
    for complaint in complaints:
        lines.append(
            f"{complaint.code} – {complaint.category.name(locale)} – "
            f"{status_label(complaint.status)}"
        )
    lines.append("")
    lines.append(gettext("Send /status followed by a code for the details."))
    return "\n".join(lines)
