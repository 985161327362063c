"""The webhook's gate (signatures, proxies), MMS photos, the blocklist and the rate limit."""

from __future__ import annotations

import io
import logging

import pytest
from PIL import Image
from sqlalchemy import func, select

from channels.sms import blocklist, channel_status
from channels.sms.media import is_twilio_media_url
from channels.sms.settings import TwilioSettings
from complaints import create_app
from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.models import (
    Attachment,
    BlockedAddress,
    Complaint,
    Conversation,
    InboundReceipt,
    OutboundMessage,
)
from tests.conftest import _test_config
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioApi
from tests.photo_helpers import as_stored
from tests.sms_helpers import (  # noqa: F401 -- fixtures
    CITIZEN,
    OTHER_CITIZEN,
    WEBHOOK,
    inbound_params,
    reply_to,
    send_sms,
    signature,
    signed_post,
    sms_app_fixture,
    twilio_api_fixture,
    twilio_server_fixture,
    twiml_messages,
)


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def nothing_stored() -> bool:
    return all(
        count(model) == 0
        for model in (Complaint, InboundReceipt, Conversation, OutboundMessage, Attachment)
    )


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


# --- signatures -------------------------------------------------------------------------


def test_a_missing_forged_or_tampered_signature_is_refused_and_nothing_stored(
    client, app_ctx
) -> None:
    params = inbound_params("LAPOR Jalan berlubang di depan sekolah dasar")
    url = "https://aduan.test" + WEBHOOK
    for headers in (
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        {"X-Twilio-Signature": signature(params, url, token="another-token")},
        {"X-Twilio-Signature": signature(dict(params, Body="INFO"), url)},  # tampered
    ):
        assert client.post(WEBHOOK, data=params, headers=headers).status_code == 403
    assert nothing_stored()


def test_the_signature_must_cover_the_public_url_not_the_internal_one(client, app_ctx) -> None:
    params = inbound_params("INFO")
    internal = signed_post(client, WEBHOOK, params, url="http://aduan.test" + WEBHOOK)
    assert internal.status_code == 403
    assert signed_post(client, WEBHOOK, params).status_code == 200  # PUBLIC_BASE_URL + path


def test_behind_a_proxy_the_url_comes_from_forwarded_headers(
    app, database_url, twilio_api: FakeTwilioApi
) -> None:
    proxied = create_app(
        {
            **_test_config(database_url),
            **twilio_api.config(),
            "PUBLIC_BASE_URL": None,
            "ADUAN_PROXY_HOPS": 1,
            "SERVER_NAME": None,
        }
    )
    params = inbound_params("INFO")
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "lapor.bonebolangokab.go.id"}
    client = proxied.test_client()
    public = "https://lapor.bonebolangokab.go.id" + WEBHOOK
    ok = signed_post(client, WEBHOOK, params, url=public, headers=forwarded)
    assert ok.status_code == 200 and twiml_messages(ok)
    internal = signed_post(
        client, WEBHOOK, params, url="http://localhost" + WEBHOOK, headers=forwarded
    )
    assert internal.status_code == 403


# --- the channel on and off -------------------------------------------------------------


def test_without_credentials_the_channel_is_off_and_says_so(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="channels.sms"):
        off = create_app({**_test_config("sqlite://"), "TWILIO_ACCOUNT_SID": None})
    assert "SMS channel off" in caplog.text
    assert channel_status(off) == {"channel": "sms", "configured": False}
    assert "sms" not in off.extensions.get("aduan_transports", {})
    assert off.test_client().post(WEBHOOK, data={"Body": "INFO"}).status_code == 404


def test_with_credentials_the_channel_is_on_with_both_transports(
    caplog, twilio_api: FakeTwilioApi
) -> None:
    with caplog.at_level(logging.INFO, logger="channels.sms"):
        on = create_app({**_test_config("sqlite://"), **twilio_api.config()})
    assert "SMS channel on" in caplog.text
    assert {"sms", "whatsapp"} <= set(on.extensions["aduan_transports"])
    status = channel_status(on)
    assert status["configured"] is True
    assert status["webhook"] == "https://aduan.test/channels/sms/twilio"
    assert status["status callback"] == "https://aduan.test/channels/sms/twilio/status"
    assert AUTH_TOKEN not in str(status)


def test_without_a_sender_number_inbound_works_and_outbound_waits(
    twilio_api: FakeTwilioApi,
) -> None:
    inbound_only = create_app({**_test_config("sqlite://"), **twilio_api.config(from_number=None)})
    assert "sms" not in inbound_only.extensions.get("aduan_transports", {})
    assert "SMS sender" in channel_status(inbound_only)


def test_the_whatsapp_sender_can_be_set_apart() -> None:
    settings = TwilioSettings.from_config(
        {"TWILIO_FROM_NUMBER": "+15005550006", "TWILIO_WHATSAPP_FROM": "+14155238886"}
    )
    assert settings.whatsapp_from == "whatsapp:+14155238886"
    assert TwilioSettings.from_config({"TWILIO_FROM_NUMBER": "+1500"}).whatsapp_from == (
        "whatsapp:+1500"
    )
    alphanumeric = TwilioSettings.from_config({"TWILIO_FROM_NUMBER": "PemkabBB"})
    assert alphanumeric.sms_from == "PemkabBB" and alphanumeric.whatsapp_from is None


# --- MMS photos -------------------------------------------------------------------------


def test_an_mms_photo_is_fetched_from_twilio_and_stored(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    photo = jpeg()
    media_url = twilio_api.add_media(photo, "image/jpeg", redirect=True)
    reply_to(
        client,
        "LAPOR Pohon tumbang menutup jalan desa Bongopini",
        media=[(media_url, "image/jpeg")],
    )
    complaint = db.session.scalars(select(Complaint)).one()
    [attachment] = complaint.attachments
    assert attachment.content_type == "image/jpeg" and attachment.content == as_stored(photo)
    fetches = twilio_api.requests_for("/Media/")
    assert fetches and fetches[0].auth == (ACCOUNT_SID, AUTH_TOKEN)


def test_media_that_is_not_an_image_or_not_on_twilio_is_never_fetched(
    client, app_ctx, twilio_api: FakeTwilioApi
) -> None:
    card = twilio_api.add_media(b"BEGIN:VCARD\nEND:VCARD\n", "text/vcard")
    fake_jpeg = twilio_api.add_media(b"<html>not a photo</html>", "image/jpeg")
    media = [
        (card, "text/vcard"),
        ("http://169.254.169.254/latest/meta-data/", "image/jpeg"),
        ("https://evil.example/photo.jpg", "image/jpeg"),
        (fake_jpeg, "image/jpeg"),
    ]
    reply_to(client, "LAPOR Saluran got tersumbat di depan rumah warga", media=media)
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.attachments == []
    fetched = [request.path for request in twilio_api.requests_for("/Media/")]
    assert fetched == [fake_jpeg.removeprefix(twilio_api.base_url)]  # fetched, then refused


def test_only_our_accounts_media_urls_on_the_api_host_are_allowed(
    twilio_api: FakeTwilioApi,
) -> None:
    settings = TwilioSettings.from_config(twilio_api.config())
    ours = twilio_api.add_media(b"x", "image/jpeg")
    assert is_twilio_media_url(ours, settings)
    assert not is_twilio_media_url(ours.replace(ACCOUNT_SID, "AC" + "9" * 32), settings)
    assert not is_twilio_media_url(ours.replace("127.0.0.1", "127.0.0.2"), settings)
    production = TwilioSettings.from_config({"TWILIO_ACCOUNT_SID": ACCOUNT_SID})
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1"
    assert is_twilio_media_url("https://api.twilio.com" + path, production)
    assert not is_twilio_media_url("http://api.twilio.com" + path, production)
    assert not is_twilio_media_url("https://api.twilio.com.evil.example" + path, production)


# --- blocklist and rate limit -----------------------------------------------------------


def test_a_blocked_number_gets_an_empty_answer_and_nothing_is_stored(client, app_ctx, cast) -> None:
    blocklist.block_address("sms", "0812-3456-7890", "flooding the queue", cast.admin)
    db.session.commit()
    assert blocklist.is_blocked("sms", CITIZEN)
    response = send_sms(client, "LAPOR Jalan berlubang di depan sekolah dasar")
    assert twiml_messages(response) == []
    assert nothing_stored()
    # The same number on WhatsApp is a separate sender an admin blocks separately.
    assert not blocklist.is_blocked("whatsapp", CITIZEN)
    assert reply_to(client, "INFO", sender=OTHER_CITIZEN)


def test_an_unblocked_number_is_heard_again(client, app_ctx) -> None:
    blocked = blocklist.block_address("sms", CITIZEN, "spam", None)
    db.session.commit()
    assert blocked.created_by_id is None
    blocklist.block_address("sms", CITIZEN, "still spam", None)  # idempotent
    db.session.commit()
    assert count(BlockedAddress) == 1
    assert [b.reason for b in blocklist.blocked_addresses()] == ["still spam"]
    assert blocklist.unblock_address("sms", CITIZEN, None) is True
    db.session.commit()
    assert blocklist.unblock_address("sms", CITIZEN, None) is False
    assert reply_to(client, "INFO")


def test_blocking_an_invalid_number_is_refused(app_ctx) -> None:
    with pytest.raises(ValidationFailed):
        blocklist.block_address("sms", "not a number", "x", None)
    with pytest.raises(ValidationFailed):
        blocklist.block_address("pigeon", CITIZEN, "x", None)
    assert blocklist.normalize_address("whatsapp", f"whatsapp:{CITIZEN}") == CITIZEN


def test_past_the_hourly_limit_a_sender_is_told_once_then_ignored(
    app, client, app_ctx, set_now
) -> None:
    from datetime import timedelta

    from complaints import clock

    app.extensions["aduan_sms"] = TwilioSettings.from_config(
        {**app.config, "SMS_MAX_INBOUND_PER_HOUR": 3}
    )
    start = clock.now()
    for _ in range(3):
        reply_to(client, "INFO")
    warning = reply_to(client, "LAPOR Jalan berlubang di depan sekolah dasar")
    assert "LAPOR" not in warning and "REPORT" not in warning
    assert twiml_messages(send_sms(client, "LAPOR Jalan berlubang di depan sekolah")) == []
    assert count(Complaint) == 0 and count(InboundReceipt) == 3
    # Another number is not affected; the next hour the sender is heard again.
    assert "REPORT" in reply_to(client, "HELP", sender=OTHER_CITIZEN)
    set_now(start + timedelta(hours=1, seconds=1))
    reply_to(client, "LAPOR Jalan berlubang di depan sekolah dasar")
    assert count(Complaint) == 1


def limit_to(app, per_hour: int) -> None:
    app.extensions["aduan_sms"] = TwilioSettings.from_config(
        {**app.config, "SMS_MAX_INBOUND_PER_HOUR": per_hour}
    )


def test_the_limit_holds_with_rate_limits_off_and_whatsapp_counts_apart(
    app, client, app_ctx
) -> None:
    # RATELIMIT_ENABLED=0 switches off the HTTP limits only: the number still gets its answer.
    assert app.config["RATELIMIT_ENABLED"] is False
    limit_to(app, 2)
    assert [reply_to(client, "INFO") for _ in range(2)]
    assert "REPORT" not in reply_to(client, "HELP")  # told to wait
    assert twiml_messages(send_sms(client, "HELP")) == []
    # The same phone on WhatsApp is another sender, as for the blocklist.
    assert "REPORT" in reply_to(client, "HELP", sender=f"whatsapp:{CITIZEN}")


def test_a_flood_is_still_cut_off_while_the_rate_limit_storage_is_down(
    app, client, app_ctx, caplog
) -> None:
    from channels.sms import flood

    # Nothing listens on port 1: every Redis call fails at once; the process counts alone.
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_connect_timeout": 0.5}
    flood.init_app(app)
    limit_to(app, 2)
    with caplog.at_level(logging.WARNING, logger="channels.sms.flood"):
        assert "ADU-" in reply_to(client, "LAPOR Jalan berlubang di depan sekolah dasar")
        assert "REPORT" in reply_to(client, "HELP")
        assert "REPORT" not in reply_to(client, "HELP")
        assert twiml_messages(send_sms(client, "HELP")) == []
    assert count(Complaint) == 1
    failures = [r for r in caplog.records if "storage failed" in r.getMessage()]
    assert len(failures) == 1  # then it waits before trying the storage again
