"""``flask sms gateway …``: register the webhooks on the gateway, and ask for its health."""

from __future__ import annotations

import click
import requests
from android_sms_gateway import domain, errors
from android_sms_gateway.client import APIClient
from android_sms_gateway.enums import WebhookEvent
from flask.cli import AppGroup

from . import health
from .settings import EVENTS, WEBHOOK_PATH, GatewaySettings, current_settings
from .transport import build_client

sms_cli = AppGroup("sms", help="The SMS channel.")
gateway_cli = AppGroup("gateway", help="SMS Gateway for Android: webhooks and health.")
sms_cli.add_command(gateway_cli)


def _settings_or_exit() -> GatewaySettings:
    settings = current_settings()
    if not settings.configured:
        raise click.ClickException(
            "The SMS gateway is off: set SMSGATE_USERNAME, SMSGATE_PASSWORD and "
            "SMSGATE_SIGNING_KEY (see channels/smsgate/README.md) and try again."
        )
    return settings


def _failed(action: str, error: Exception) -> click.ClickException:
    if isinstance(error, errors.APIError):
        if error.status_code in (401, 403):
            return click.ClickException(
                f"{action}: the gateway refused SMSGATE_USERNAME/SMSGATE_PASSWORD "
                f"(HTTP {error.status_code})"
            )
        return click.ClickException(f"{action}: the gateway answered HTTP {error.status_code}")
    return click.ClickException(f"{action}: no answer from the gateway ({error})")


def register_webhooks(client: APIClient, url: str) -> list[tuple[str, bool]]:
    """Make sure each of our events posts to ``url``; (event, newly created) for each.

    The gateway's list is read first, so running it twice registers nothing twice.
    """
    existing = {(hook.url, hook.event.value) for hook in client.get_webhooks()}
    outcome = []
    for event in EVENTS:
        if (url, event) in existing:
            outcome.append((event, False))
            continue
        client.create_webhook(domain.Webhook(id=None, url=url, event=WebhookEvent(event)))
        outcome.append((event, True))
    return outcome


@gateway_cli.command("register")
@click.argument("url", required=False)
def register(url: str | None) -> None:
    """Register URL (default: PUBLIC_BASE_URL + /channels/sms/gateway) for the five events
    (sms:received, sms:sent, sms:delivered, sms:failed, mms:downloaded)."""
    settings = _settings_or_exit()
    target = url or settings.webhook_url
    if not target:
        raise click.ClickException(
            f"Give the webhook URL (https://<public address>{WEBHOOK_PATH}) or set PUBLIC_BASE_URL."
        )
    if not target.startswith(("https://", "http://")):
        raise click.ClickException(f"{target!r} is not an http(s) URL")
    try:
        outcome = register_webhooks(build_client(settings), target)
    except (errors.APIError, requests.RequestException, ValueError, KeyError) as error:
        raise _failed("Could not register the webhooks", error) from error
    for event, created in outcome:
        click.echo(f"{event}: {'registered' if created else 'already registered'} -> {target}")


@gateway_cli.command("status")
def status() -> None:
    """Ask the gateway for its health; exit 1 when it cannot be reached."""
    settings = _settings_or_exit()
    result = health.check(settings)
    click.echo(f"SMS gateway {settings.api_netloc}: {health.describe(result)}")
    if not result.reachable:
        raise SystemExit(1)
