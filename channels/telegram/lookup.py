"""``/status CODE`` and ``/saya``: what a chat may learn about complaints.

``/status`` answers anyone holding a tracking code, exactly as the public
tracking page does: it is built from :func:`complaints.public.public_view`,
so it carries no name, phone, e-mail or NIK and its free text is redacted.
``/saya`` lists only the complaints filed from this very chat.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from complaints.codes import complaint_by_code
from complaints.extensions import db
from complaints.i18n import local_time
from complaints.models import Complaint, Reporter, Status
from complaints.notify import status_label, tracking_url
from complaints.public import public_view

MY_REPORTS_LIMIT = 10


def status_text(raw_code: str, locale: str) -> str:
    """The answer to ``/status CODE`` in the current (forced) locale."""
    raw = raw_code.strip()
    if not raw:
        return gettext(
            "Send the tracking code after the command, for example: /status ADU-7K3Q-9M2X"
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
