"""Is the gateway reachable? Its ``GET /health`` answer, in words for the admin page and the CLI.

The admin page asks at most once a minute per process (``CHECK_EVERY``):
the answer is kept in the process with the time it was asked, and shown with
that time. It is only a view of the phone's state; nothing else depends on it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from android_sms_gateway import errors
from android_sms_gateway.enums import HealthStatus
from flask_babel import gettext

from complaints import clock
from complaints.i18n import local_time

from .settings import GatewaySettings
from .transport import build_client

logger = logging.getLogger(__name__)

CHECK_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Health:
    """The outcome of one health check: ``state`` is "pass", "warn", "fail" or "unreachable"."""

    state: str
    detail: str
    checked_at: datetime

    @property
    def reachable(self) -> bool:
        return self.state != "unreachable"


def check(settings: GatewaySettings, now: datetime | None = None) -> Health:
    """Ask the gateway for its health now (never raises)."""
    moment = now or clock.now()
    try:
        answer = build_client(settings).health_check()
    except errors.APIError as error:
        refused = error.status_code in (401, 403)
        return Health("unreachable", "refused" if refused else "error", moment)
    except (requests.RequestException, ValueError, KeyError):
        return Health("unreachable", "no answer", moment)
    failing = [
        name for name, result in (answer.checks or {}).items() if result.status != HealthStatus.PASS
    ]
    return Health(answer.status.value, ", ".join(sorted(failing)), moment)


_last: dict[str, Health] = {}
_lock = threading.Lock()


def recent(settings: GatewaySettings, now: datetime | None = None) -> Health:
    """The last check of this gateway if it is recent, else a new one."""
    moment = now or clock.now()
    with _lock:
        known = _last.get(settings.api_url)
    if known is not None and moment - known.checked_at < CHECK_EVERY:
        return known
    health = check(settings, moment)
    with _lock:
        _last[settings.api_url] = health
    if not health.reachable:
        logger.warning("SMS gateway at %s unreachable: %s", settings.api_netloc, health.detail)
    return health


def forget() -> None:
    """Drop the remembered checks (tests start each from nothing)."""
    with _lock:
        _last.clear()


def describe(health: Health) -> str:
    """The check in words, in the reader's language, with when it was made."""
    when = local_time(health.checked_at)
    if health.state == "pass":
        return gettext("reachable, every check passed (checked %(when)s)", when=when)
    if health.state == "warn":
        return gettext(
            "reachable, with warnings about: %(checks)s (checked %(when)s)",
            checks=health.detail or "-",
            when=when,
        )
    if health.state == "fail":
        return gettext(
            "reachable, but failing checks: %(checks)s (checked %(when)s)",
            checks=health.detail or "-",
            when=when,
        )
    if health.detail == "refused":
        return gettext(
            "not reachable: the gateway refused the username or password (checked %(when)s)",
            when=when,
        )
    if health.detail == "error":
        return gettext(
            "not reachable: the gateway answered with an error (checked %(when)s)", when=when
        )
    return gettext("not reachable: no answer from the gateway (checked %(when)s)", when=when)
