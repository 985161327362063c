"""``flask mail poll``: read the mailbox once, file what is new."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .inbound import poll
from .settings import current_settings

mail_cli = AppGroup("mail", help="The e-mail channel.")


@mail_cli.command("poll")
def poll_command() -> None:
    """Read unseen mail in IMAP_FOLDER: file complaints, add replies, skip auto-replies."""
    settings = current_settings()
    if not settings.polling:
        raise click.ClickException(
            "The mailbox is off: set IMAP_HOST, IMAP_USERNAME and IMAP_PASSWORD and try again."
        )
    summary = poll(settings)
    if summary is None:
        click.echo("Another process is reading the mailbox now; nothing done.")
        return
    click.echo(
        f"filed {summary.filed}, replies {summary.replies}, ignored {summary.ignored}, "
        f"already seen {summary.duplicates}, failed {summary.failed}"
    )
    if summary.failed:
        raise SystemExit(1)
