"""What the tracking page says will happen next, by when, and how the citizen will hear.

In plain words, one sentence per status, with the stored deadline to the
minute (WITA). Updates are promised only by a channel that is on and that
this reporter can be reached on (:mod:`channels.web.reach`).
"""

from __future__ import annotations

from flask_babel import gettext

from complaints.i18n import local_time
from complaints.models import Status
from complaints.public import PublicComplaint

from .reach import masked_contact


def next_step(view: PublicComplaint, is_reporter: bool) -> str:
    """The next step of the complaint ``view`` and its deadline, for the tracking page."""
    status = Status(view.status)
    if status == Status.RECEIVED:
        return _received(view)
    if status in (Status.VERIFIED, Status.IN_PROGRESS):
        return _being_handled(view)
    if status == Status.RESOLVED:
        return _waiting_for_confirmation(view, is_reporter)
    if status == Status.CLOSED:
        return gettext("This report is finished and closed.")
    if status == Status.REJECTED:
        return gettext(
            "This report was not accepted; the reason is below. If the problem continues, "
            "you can send a new report."
        )
    return gettext(
        "This report was combined with another report of the same problem: "
        "its progress is shown here."
    )


def _received(view: PublicComplaint) -> str:
    due = view.deadlines.get("verify")
    if due is None:
        return gettext("An officer will check your report soon.")
    return gettext("An officer will check your report by %(time)s.", time=local_time(due))


def _being_handled(view: PublicComplaint) -> str:
    due = view.deadlines.get("resolve")
    unit = view.unit or gettext("The responsible unit")
    if due is None:
        return gettext("%(unit)s is handling it.", unit=unit)
    return gettext(
        "%(unit)s is handling it; target for completion: %(time)s.",
        unit=unit,
        time=local_time(due),
    )


def _waiting_for_confirmation(view: PublicComplaint, is_reporter: bool) -> str:
    due = view.deadlines.get("confirm")
    if due is None:
        return gettext("The unit has marked it resolved and waits for the reporter's answer.")
    if is_reporter:
        return gettext(
            "Please tell us below whether it is resolved before %(time)s; after that the "
            "report is closed automatically.",
            time=local_time(due),
        )
    return gettext(
        "The reporter is asked to confirm before %(time)s; after that the report is closed "
        "automatically.",
        time=local_time(due),
    )


OPEN_STATUSES = (Status.RECEIVED, Status.VERIFIED, Status.IN_PROGRESS, Status.RESOLVED)


def how_updates_arrive(
    view: PublicComplaint, target: tuple[str, str] | None, is_reporter: bool
) -> str | None:
    """How news of this complaint will reach the reader; None once it is finished.

    ``target`` is the reporter's own (channel, address) that can send now, or
    None. Only the reporter is told which one, and the address only masked
    (:func:`channels.web.reach.masked_contact`): anyone holding the code reads the page.
    """
    if Status(view.status) not in OPEN_STATUSES:
        return None
    if not is_reporter or target is None:
        return gettext("Keep your tracking code and check this page: every update appears here.")
    channel, address = target
    if channel == "sms":
        return gettext("We will send updates by SMS to %(number)s.", number=masked_contact(address))
    if channel == "whatsapp":
        return gettext(
            "We will send updates by WhatsApp to %(number)s.", number=masked_contact(address)
        )
    if channel == "email":
        return gettext(
            "We will send updates by e-mail to %(address)s.", address=masked_contact(address)
        )
    return gettext("We will send updates in your Telegram chat with our bot.")
