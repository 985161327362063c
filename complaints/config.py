"""Settings read from the environment, parsed strictly.

A malformed value stops start-up with a message naming the variable, rather
than running with a silently wrong setting.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from .ratelimit import CODE_LOOKUPS_PER_DAY


class ConfigError(RuntimeError):
    """A setting in the environment cannot be used."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    url = raw.strip()
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+", 1)[0]
    if scheme not in schemes or not (parsed.netloc or parsed.path):
        raise ConfigError(f"{name}={raw!r} is not a URL with scheme {' or '.join(schemes)}")
    return url


def require_all_or_none(config: Mapping[str, Any], names: Sequence[str], what: str) -> None:
    """Stop the start when only some of ``names`` are set: ``what`` would be silently off."""
    given = [name for name in names if config.get(name)]
    if given and len(given) < len(names):
        missing = ", ".join(name for name in names if name not in given)
        raise ConfigError(
            f"{what} half configured: {', '.join(given)} set but {missing} not; "
            f"set all {len(names)} or none"
        )


# Telegram's rule for a bot's username: 5–32 letters, digits or underscores.
_TELEGRAM_USERNAME = re.compile(r"[A-Za-z0-9_]{5,32}")


def env_telegram_username(env: Mapping[str, str], name: str) -> str | None:
    """A bot's @username without the "@" (shown on the home page), or None when unset."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    username = raw.removeprefix("@")
    if not _TELEGRAM_USERNAME.fullmatch(username):
        raise ConfigError(f"{name}={raw!r} is not a Telegram username (5-32 letters, digits, _)")
    return username


def env_phone(env: Mapping[str, str], name: str) -> str | None:
    """A phone number people write to (Indonesian unless it has a country code), in E.164."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ConfigError(f"{name}={raw!r} is not a phone number (e.g. 0812-3456-7890)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def env_roles(env: Mapping[str, str], name: str) -> frozenset[str]:
    """A comma-separated list of staff roles (admin, supervisor, officer); empty by default."""
    roles = frozenset(part.strip().lower() for part in env.get(name, "").split(",") if part.strip())
    unknown = roles - {"admin", "supervisor", "officer"}
    if unknown:
        raise ConfigError(f"{name}: unknown roles {', '.join(sorted(unknown))}")
    return roles


def _secret_key(env: Mapping[str, str], instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into the instance folder."""
    if env.get("SECRET_KEY"):
        return env["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two workers starting at once must agree on one key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


# Seconds: a Redis that does not answer costs a request this long, not a hang.
_REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def load_config(instance_path: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if env is None else env
    timezone = env.get("ADUAN_TIMEZONE", "Asia/Makassar")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"ADUAN_TIMEZONE={timezone!r} is not a known time zone") from None

    database_url = env_url(
        env, "DATABASE_URL", ("sqlite", "postgresql", "postgres")
    ) or "sqlite:///" + str(instance_path / "aduan.db")
    redis_url = env_url(env, "REDIS_URL", ("redis", "rediss", "unix"))
    secure_cookies = env_bool(env, "ADUAN_SECURE_COOKIES", True)

    return {
        "SECRET_KEY": _secret_key(env, instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ADUAN_TIMEZONE": timezone,
        "ADUAN_SCHEDULER": env_bool(env, "ADUAN_SCHEDULER", True),
        "ADUAN_PROXY_HOPS": env_int(env, "ADUAN_PROXY_HOPS", 0),
        "PUBLIC_BASE_URL": env_url(env, "PUBLIC_BASE_URL", ("http", "https")),
        "RATELIMIT_ENABLED": env_bool(env, "RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # A short Redis timeout, and per-process counting while Redis is away (it is
        # retried with backoff): a rate-limit store outage must not stop intake.
        "RATELIMIT_STORAGE_OPTIONS": _REDIS_OPTIONS if redis_url else {},
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # X-RateLimit-* on limited responses, Retry-After on a 429.
        "RATELIMIT_HEADERS_ENABLED": True,
        # Tracking-code lookups per client (per chat on Telegram) a day; tests make it small.
        "CODE_LOOKUPS_PER_DAY": CODE_LOOKUPS_PER_DAY,
        "REDIS_URL": redis_url,
        "TELEGRAM_BOT_TOKEN": env.get("TELEGRAM_BOT_TOKEN") or None,
        "TELEGRAM_WEBHOOK_SECRET": env.get("TELEGRAM_WEBHOOK_SECRET") or None,
        # The bot's @name, for the home page's link; without it the page names no bot.
        "TELEGRAM_BOT_USERNAME": env_telegram_username(env, "TELEGRAM_BOT_USERNAME"),
        "TELEGRAM_API_BASE_URL": env_url(env, "TELEGRAM_API_BASE_URL", ("http", "https"))
        or "https://api.telegram.org/bot",
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID") or None,
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN") or None,
        "TWILIO_FROM_NUMBER": env.get("TWILIO_FROM_NUMBER") or None,
        "TWILIO_API_BASE_URL": env_url(env, "TWILIO_API_BASE_URL", ("http", "https")),
        "TWILIO_WHATSAPP_FROM": env.get("TWILIO_WHATSAPP_FROM") or None,
        "SMS_MAX_INBOUND_PER_HOUR": env_int(env, "SMS_MAX_INBOUND_PER_HOUR", 30, minimum=1),
        # E-mail (channels/email): outbound SMTP when MAIL_SERVER and MAIL_DEFAULT_SENDER
        # are set, the IMAP mailbox read when host, user and password are (all or none).
        "MAIL_SERVER": (env.get("MAIL_SERVER") or "").strip() or None,
        "MAIL_PORT": env_int(env, "MAIL_PORT", 587, minimum=1),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": env_bool(env, "MAIL_USE_TLS", True),
        "MAIL_DEFAULT_SENDER": (env.get("MAIL_DEFAULT_SENDER") or "").strip() or None,
        "IMAP_HOST": (env.get("IMAP_HOST") or "").strip() or None,
        "IMAP_USERNAME": env.get("IMAP_USERNAME") or None,
        "IMAP_PASSWORD": env.get("IMAP_PASSWORD") or None,
        "IMAP_FOLDER": (env.get("IMAP_FOLDER") or "").strip() or "INBOX",
        # SMS through an Android phone (channels/smsgate): username, password and signing
        # key all set, or none (a half-configured gateway stops the start with a message).
        "SMSGATE_API_URL": env_url(env, "SMSGATE_API_URL", ("http", "https"))
        or "https://api.sms-gate.app/3rdparty/v1",
        "SMSGATE_USERNAME": env.get("SMSGATE_USERNAME") or None,
        "SMSGATE_PASSWORD": env.get("SMSGATE_PASSWORD") or None,
        "SMSGATE_SIGNING_KEY": env.get("SMSGATE_SIGNING_KEY") or None,
        # The number of the SIM in the gateway phone, shown to citizens on the home page
        # (the gateway's API does not tell it); without it the page names no SMS number.
        "SMSGATE_PHONE_NUMBER": env_phone(env, "SMSGATE_PHONE_NUMBER"),
        # WhatsApp Cloud API (channels/whatsapp): token, phone number id, app secret and
        # verify token all set, or none (half configured stops the start with a message).
        "WHATSAPP_ACCESS_TOKEN": env.get("WHATSAPP_ACCESS_TOKEN") or None,
        "WHATSAPP_PHONE_NUMBER_ID": env.get("WHATSAPP_PHONE_NUMBER_ID") or None,
        "WHATSAPP_APP_SECRET": env.get("WHATSAPP_APP_SECRET") or None,
        "WHATSAPP_VERIFY_TOKEN": env.get("WHATSAPP_VERIFY_TOKEN") or None,
        # The Cloud API number as citizens know it, for the home page (Meta's phone
        # number id is not a number anyone can write to).
        "WHATSAPP_DISPLAY_NUMBER": env_phone(env, "WHATSAPP_DISPLAY_NUMBER"),
        "WHATSAPP_API_BASE_URL": env_url(env, "WHATSAPP_API_BASE_URL", ("http", "https"))
        or "https://graph.facebook.com",
        "WHATSAPP_API_VERSION": (env.get("WHATSAPP_API_VERSION") or "").strip() or "v21.0",
        "WHATSAPP_TEMPLATE_ACK": (env.get("WHATSAPP_TEMPLATE_ACK") or "").strip()
        or "aduan_diterima",
        "WHATSAPP_TEMPLATE_STATUS": (env.get("WHATSAPP_TEMPLATE_STATUS") or "").strip()
        or "aduan_status",
        "WHATSAPP_TEMPLATE_LANGUAGE": (env.get("WHATSAPP_TEMPLATE_LANGUAGE") or "").strip() or "id",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Five photos of at most 10 MB each, plus the text fields.
        "MAX_CONTENT_LENGTH": 52 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        # A form's CSRF token lasts a working day, not Flask-WTF's hour: a citizen who
        # writes slowly, or fetches a photo first, must not lose what they typed.
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        # Bootstrap's CSS from the Bootstrap-Flask package, never a CDN.
        "BOOTSTRAP_SERVE_LOCAL": True,
        # Who runs this service: the name in every page's header and title, and the
        # path of a logo image (PNG, SVG or JPEG) shown beside it; none by default.
        "REGENCY_NAME": (env.get("ADUAN_REGENCY_NAME") or "").strip() or "Kabupaten Bone Bolango",
        "REGENCY_LOGO": (env.get("ADUAN_REGENCY_LOGO") or "").strip() or None,
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": timezone,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Staff roles that must use two-step sign-in (an authenticator app's code).
        "REQUIRE_2FA_ROLES": env_roles(env, "ADUAN_REQUIRE_2FA_ROLES"),
    }
