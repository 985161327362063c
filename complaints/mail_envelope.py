"""How an e-mail's subject, language and audience travel in an outbox row's body.

The outbox hands every sender ``(address, body)``. A mail needs more than a
text: a subject line with the complaint code, the reader's language (for
the template around the text), and whether the reader is a citizen (who gets
a one-click unsubscribe link) or staff. They ride as three header lines
before a blank line, readable as they are on the admin's outbox list.
"""

from __future__ import annotations

from dataclasses import dataclass

CITIZEN = "citizen"
STAFF = "staff"


@dataclass(frozen=True)
class Envelope:
    subject: str
    text: str
    locale: str = "id"
    audience: str = STAFF

    @property
    def for_citizen(self) -> bool:
        return self.audience == CITIZEN


def _one_line(text: str) -> str:
    return " ".join(text.split())


def wrap(subject: str, text: str, *, locale: str, audience: str) -> str:
    """The outbox body of a mail."""
    return (
        f"Subject: {_one_line(subject)[:200]}\nLanguage: {locale}\nAudience: {audience}\n\n{text}"
    )


def unwrap(body: str) -> Envelope:
    """The mail an outbox body stands for; a plain body becomes a staff mail titled by its start."""
    head, separator, text = body.partition("\n\n")
    fields: dict[str, str] = {}
    if separator and head.startswith("Subject: "):
        for line in head.splitlines():
            name, _, value = line.partition(": ")
            fields[name] = value
    if "Subject" not in fields:
        first = _one_line(body)
        return Envelope(subject=first[:77] + "…" if len(first) > 78 else first, text=body)
    return Envelope(
        subject=fields["Subject"],
        text=text,
        locale=fields.get("Language", "id") if fields.get("Language") in ("id", "en") else "id",
        audience=CITIZEN if fields.get("Audience") == CITIZEN else STAFF,
    )
