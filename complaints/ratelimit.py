"""Who a rate limit counts: the client's address, or its IPv6 network.

Every limit keyed on the client uses :func:`client_address`. Behind a
reverse proxy the address is right only when ``ADUAN_PROXY_HOPS`` says how
many proxies to trust (werkzeug's ProxyFix then takes the client from
``X-Forwarded-For``); with ``ADUAN_PROXY_HOPS=0`` behind nginx every citizen
would share the proxy's address, and one citizen's flood would lock out
everyone. :func:`warn_if_proxy_ignored` says so in the log, once per process.
"""

from __future__ import annotations

import ipaddress
import logging

from flask import current_app, request

logger = logging.getLogger(__name__)

# A home or mobile IPv6 subscriber is given a whole /64: counting single
# addresses would let one device flood by rotating through its own network.
IPV6_SUBSCRIBER_PREFIX = 64

_warned_about_proxy = False

# Every page and endpoint that looks a complaint up by its tracking code draws
# on one daily budget per address (on top of its own per-minute limit): a
# guesser of codes (2**40 of them) gets a thousand tries a day, not 86,400.
CODE_LOOKUPS_PER_DAY = "1000/day"
CODE_LOOKUP_SCOPE = "tracking-code-lookups"


def code_lookup_budget() -> str:
    """The daily code-lookup budget of this app: its ``CODE_LOOKUPS_PER_DAY`` setting.

    A callable, so Flask-Limiter's decorators can take it as their limit. The
    Telegram bot counts it itself, per chat: every update comes from
    Telegram's own addresses.
    """
    return str(current_app.config.get("CODE_LOOKUPS_PER_DAY") or CODE_LOOKUPS_PER_DAY)


def client_address() -> str:
    """The rate-limit key of the client: its IPv4 address, or its IPv6 /64 network."""
    raw = request.remote_addr or "127.0.0.1"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address, IPV6_SUBSCRIBER_PREFIX), strict=False)
        return str(network)
    return str(address)


def warn_if_proxy_ignored() -> bool:
    """A Flask-Limiter request filter that never exempts a request; it only looks at it.

    Once per process, it warns that a proxy forwards client addresses which
    ``ADUAN_PROXY_HOPS=0`` tells the app to ignore.
    """
    global _warned_about_proxy
    if _warned_about_proxy or "X-Forwarded-For" not in request.headers:
        return False
    if current_app.config.get("ADUAN_PROXY_HOPS", 0) > 0:
        return False
    _warned_about_proxy = True
    logger.warning(
        "requests carry X-Forwarded-For but ADUAN_PROXY_HOPS=0: every client is seen as %s, "
        "so all of them share one rate limit; set ADUAN_PROXY_HOPS to the number of "
        "trusted proxies in front of the app",
        request.remote_addr,
    )
    return False
