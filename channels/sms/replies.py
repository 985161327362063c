"""Everything the SMS channel says to a citizen, in their language and in few segments.

Source strings are English; the Indonesian catalog holds the default
wording. Each text is written to stay in GSM-7 (plain quotes and hyphens,
no em dash) and in one segment, except a status answer that quotes the
unit's latest reply, which is cut to two.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale, gettext

from complaints.attachments import MAX_PHOTOS
from complaints.public import PublicComplaint

from .segments import fit, sms_safe

REPLY_SEGMENTS = 2
# WhatsApp has no segments; still keep answers short enough to read on a phone.
WHATSAPP_LIMIT = 1000


def for_channel(text: str, channel: str) -> str:
    """Shape a reply for the channel: GSM-7 and at most two segments for SMS."""
    if channel == "sms":
        return fit(sms_safe(text), REPLY_SEGMENTS)
    return text if len(text) <= WHATSAPP_LIMIT else text[: WHATSAPP_LIMIT - 3] + "..."


def help_text(locale: str) -> str:
    with force_locale(locale):
        return gettext(
            "Aduan Bone Bolango: send REPORT <complaint> to report, STATUS <code> to check, "
            "DONE or REOPEN <code> once resolved. REPORT ANONYMOUS or CONFIDENTIAL hides it."
        )


def received(code: str, locale: str, *, anonymous: bool = False, confidential: bool = False) -> str:
    """The tracking code, and the privacy options the citizen chose (so they know they held)."""
    with force_locale(locale):
        choices = [
            word
            for chosen, word in (
                (anonymous, gettext("anonymous")),
                (confidential, gettext("confidential")),
            )
            if chosen
        ]
        if choices:
            return gettext(
                "Complaint received (%(choices)s). Code: %(code)s. "
                "To check it, send STATUS %(code)s",
                choices=", ".join(choices),
                code=code,
            )
        return gettext(
            "Complaint received. Code: %(code)s. To check it, send STATUS %(code)s", code=code
        )


def ask_details(locale: str) -> str:
    with force_locale(locale):
        return gettext(
            "Please describe the problem (what, where, since when) in your next message."
        )


def photos_added(
    *, added: int, total: int, over_limit: int, failed: int, not_photos: int, locale: str
) -> str:
    """The answer to photos sent after the report: how many it holds, what was not kept."""
    parts = []
    with force_locale(locale):
        if added:
            parts.append(
                gettext("Photos received (%(total)d/%(limit)d).", total=total, limit=MAX_PHOTOS)
            )
        if over_limit:
            parts.append(
                gettext(
                    "Not saved: %(count)d (at most %(limit)d photos per report).",
                    count=over_limit,
                    limit=MAX_PHOTOS,
                )
            )
        if failed:
            parts.append(
                gettext("Photos not received: %(count)d. Please send them again.", count=failed)
            )
        if not_photos:
            # A voice note, a video or a document: sending it again would not help.
            parts.append(
                gettext(
                    "Only photos can be kept: %(count)d other file(s) not saved.", count=not_photos
                )
            )
    return " ".join(parts)


def photos_need_report(minutes: int, locale: str) -> str:
    """Photos with no report to join: how to send them so they are kept."""
    with force_locale(locale):
        return gettext(
            "Photo not saved. Send photos with REPORT <your complaint>, "
            "or within %(minutes)d minutes after it.",
            minutes=minutes,
        )


def status_usage(locale: str) -> str:
    with force_locale(locale):
        return gettext("Send STATUS and your code, e.g. STATUS ADU-7K3Q-9M2X")


def unknown_code(locale: str) -> str:
    with force_locale(locale):
        return gettext("No complaint has this code. Please check it and try again.")


def resolution_confirmed(code: str, locale: str) -> str:
    with force_locale(locale):
        return gettext("Thank you. Complaint %(code)s is now closed.", code=code)


def resolution_reopened(code: str, locale: str) -> str:
    with force_locale(locale):
        return gettext(
            "Complaint %(code)s has been reopened and sent back to the unit. Thank you.",
            code=code,
        )


def reopen_needs_reason(code: str, locale: str) -> str:
    with force_locale(locale):
        return gettext("Please tell us what is still wrong: REOPEN %(code)s <reason>", code=code)


def not_awaiting_confirmation(code: str, locale: str) -> str:
    """DONE or REOPEN for a complaint the unit has not marked resolved (yet, or again)."""
    with force_locale(locale):
        return gettext(
            "Complaint %(code)s can only be confirmed or reopened once the unit has marked "
            "it resolved. To check it, send STATUS %(code)s",
            code=code,
        )


def already_closed(code: str, locale: str) -> str:
    with force_locale(locale):
        return gettext("Complaint %(code)s is already closed.", code=code)


def rate_limited(locale: str) -> str:
    with force_locale(locale):
        return gettext("Too many messages from this number. Please try again in an hour.")


def not_filed(locale: str) -> str:
    with force_locale(locale):
        return gettext("Sorry, your complaint could not be filed. Please try again later.")


def status(view: PublicComplaint, locale: str) -> str:
    """Status in plain words and the latest public text of the unit; no personal data.

    ``view`` is the public view (names, phone numbers and ID numbers already
    redacted), so nothing here can reveal who filed it; the code of a
    complaint it was merged into is left out, as it is another citizen's key.
    """
    with force_locale(locale):
        text = gettext("%(code)s: %(status)s.", code=view.code, status=view.status_label)
        latest = latest_public_text(view)
        if latest:
            text += " " + gettext("Latest reply: %(reply)s", reply=latest)
    return text


def latest_public_text(view: PublicComplaint) -> str | None:
    """The newest text the unit made public: a reply, a resolution or a rejection reason."""
    candidates: list[tuple[datetime, str]] = [
        (reply.at, reply.body) for reply in view.public_replies
    ]
    candidates += [(entry.at, entry.note) for entry in view.history if entry.note]
    if not candidates:
        return None
    return " ".join(max(candidates, key=lambda candidate: candidate[0])[1].split())
