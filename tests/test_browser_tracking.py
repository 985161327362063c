"""The tracking page on a 360×740 phone, as the reporter sees it, in every status.

Indonesian and English, JavaScript on and off: the page fits the screen,
axe-core finds nothing serious, the CSP blocks nothing, and "is it
resolved?" with the survey closes the complaint and stores the rating in one
submit (one run taps "Tidak berlaku" on a question, stored as skipped).
Screenshots ``track-<status>-<lang>.png`` and ``home-<lang>.png`` go to
test-artifacts/ (taken with JavaScript on).

axe-core needs JavaScript to run (with it off, its checks never finish), so
"JavaScript off" is audited in a second page where our scripts are refused:
the same page the citizen without JavaScript gets, the fit measured in both.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from channels import sms, telegram
from complaints import reporter_keys
from complaints.extensions import db
from complaints.ikm import ELEMENT_NAMES
from complaints.models import SurveyResponse
from tests.browser_helpers import PHONE, assert_fits, check_accessibility, shot
from tests.conftest import MakeComplaint

STATUSES = ("received", "in_progress", "resolved", "closed")
CHOICES = {
    "id": {"yes": "Ya, sudah teratasi", "best": "4 — sangat baik", "send": "Kirim jawaban"},
    "en": {"yes": "Yes, it is resolved", "best": "4 — very good", "send": "Send answer"},
}


def as_reporter(page: Any, live_server: str, code: str, lang: str) -> None:
    """Open the reporter's link in the chosen language (the browser is then remembered)."""
    page.goto(f"{live_server}/?lang={lang}")
    page.goto(f"{live_server}/track/{code}?key={reporter_keys.derive(code)}")
    page.wait_for_url(f"{live_server}/track/{code}")


def check_screen(page: Any, name: str) -> None:
    assert_fits(page, name)
    check_accessibility(page, name)


def without_our_scripts(open_browser: Any) -> Any:
    """A phone page that runs axe-core but none of the site's own scripts."""
    page = open_browser(viewport=PHONE)
    page.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort())
    return page


# Layout only (the confirm-and-rate flow below runs on both databases).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_tracking_page_fits_a_phone_in_every_status(
    app: Flask,
    make_complaint: MakeComplaint,
    live_server: str,
    open_browser: Any,
    lang: str,
    javascript: bool,
) -> None:
    codes = {status: make_complaint(status=status).code for status in STATUSES}
    page = open_browser(viewport=PHONE, javascript=javascript)
    audit = page if javascript else without_our_scripts(open_browser)
    pages = [page] if javascript else [page, audit]
    for each in pages:
        each.goto(f"{live_server}/?lang={lang}")
    assert_fits(page, f"home-{lang}-{javascript}")
    check_screen(audit, f"home-{lang}-{javascript}")
    if javascript:
        shot(page, f"home-{lang}")
    for status, code in codes.items():
        for each in pages:
            as_reporter(each, live_server, code, lang)
        name = f"track-{status}-{lang}"
        assert_fits(page, f"{name}-{javascript}")
        check_screen(audit, f"{name}-{javascript}")
        text = page.locator("main").inner_text()
        assert "WITA" in text and code in page.locator("h1 .code-line").inner_text()
        # The code sits on one line: its box is one line high.
        box = page.locator("h1 .code-line").bounding_box()
        assert box is not None and box["height"] < 50
        if javascript:
            shot(page, name)
    assert page.csp_blocked == [] and audit.csp_blocked == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_one_submit_confirms_and_rates(
    app: Flask,
    make_complaint: MakeComplaint,
    live_server: str,
    open_browser: Any,
    lang: str,
    javascript: bool,
) -> None:
    complaint = make_complaint(status="resolved")
    words = CHOICES[lang]
    skip = lang == "id" and javascript  # one run taps "does not apply" on the cost question
    page = open_browser(viewport=PHONE, javascript=javascript, has_touch=skip)
    as_reporter(page, live_server, complaint.code, lang)
    survey = page.locator("#survey")
    if javascript:
        # Nothing chosen yet: neither the reason nor the survey is in the way.
        assert survey.is_hidden() and page.locator("#reopen-reason").is_hidden()
    page.get_by_label(words["yes"]).check()
    assert survey.is_visible() and page.locator("#reopen-reason").is_hidden() == javascript
    for question in survey.locator("fieldset.choice-rows").all():
        question.get_by_label(words["best"]).check()
    if skip:
        cost = survey.locator("fieldset.choice-rows").nth(ELEMENT_NAMES.index("cost"))
        row = cost.locator("label.choice-row", has_text="Tidak berlaku / tidak menjawab")
        box = row.bounding_box()
        assert box is not None and box["height"] >= 44
        row.tap()
        assert row.locator("input").is_checked()
        page.get_by_text("Tentang Anda (tidak wajib)").tap()  # the optional profile opens
        page.get_by_label("Jenis kelamin").select_option("female")
    assert_fits(page, f"track-answer-{lang}-{javascript}")
    if javascript:
        check_accessibility(page, f"track-answer-{lang}")
        shot(page, f"track-answer-{lang}")
    page.get_by_role("button", name=words["send"]).click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 2  # closed, and the survey saved
    db.session.expire_all()
    assert complaint.status == "closed"
    response = db.session.scalar(select(SurveyResponse))
    assert response is not None and response.complaint_id == complaint.id
    assert response.respondent_sex == ("female" if skip else None)
    skipped = {"cost": None} if skip else {}
    assert {name: getattr(response, name) for name in ELEMENT_NAMES} == {
        **dict.fromkeys(ELEMENT_NAMES, 4),
        **skipped,
    }
    assert_fits(page, f"track-answered-{lang}-{javascript}")
    assert page.csp_blocked == []


def test_choosing_no_asks_for_the_reason_and_hides_the_survey(
    app: Flask, make_complaint: MakeComplaint, live_server: str, open_browser: Any
) -> None:
    complaint = make_complaint(status="resolved")
    page = open_browser(viewport=PHONE)
    as_reporter(page, live_server, complaint.code, "id")
    page.get_by_label("Belum, masih belum teratasi").check()
    assert page.locator("#survey").is_hidden()
    reason = page.get_by_label("Jika belum, apa yang masih bermasalah?")
    assert reason.is_visible() and reason.evaluate("element => element.required")
    reason.fill("Lubangnya masih ada di sisi kiri jalan.")
    page.get_by_role("button", name="Kirim jawaban").click()
    page.wait_for_load_state()
    db.session.expire_all()
    assert complaint.status == "in_progress" and complaint.reopened_count == 1
    assert db.session.scalar(select(SurveyResponse)) is None
    assert page.csp_blocked == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # layout only
@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_home_page_with_every_channel_on_fits_a_phone(
    app: Flask, live_server: str, open_browser: Any, lang: str
) -> None:
    app.config.update(
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN="token",
        TWILIO_FROM_NUMBER="+6281100002222",
        TWILIO_WHATSAPP_FROM="whatsapp:+6285200003333",
        TWILIO_API_BASE_URL="http://127.0.0.1:9",  # never called: nothing is sent
        TELEGRAM_BOT_TOKEN="123456:test-token",
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",
        TELEGRAM_BOT_USERNAME="AduanBoneBolangoBot",
    )
    sms.init_app(app)
    telegram.init_app(app)
    page = open_browser(viewport=PHONE)
    page.goto(f"{live_server}/?lang={lang}")
    ways = page.locator(".ways").inner_text()
    assert "0811-0000-2222" in ways and "0852-0000-3333" in ways
    assert "@AduanBoneBolangoBot" in ways and "LAPOR" in ways
    check_screen(page, f"home-channels-{lang}")
    shot(page, f"home-channels-{lang}")
    assert page.csp_blocked == []
