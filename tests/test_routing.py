"""The learned routing model: training, the suggest API, automatic routing and its overturn.

A toy regency's history (bench/routing_corpus.py: Indonesian complaint texts
of four units, SMS spelling, a few mislabelled) is written straight into the
complaints table as LAPOR! history, then everything goes through the CLI,
the API, intake and the staff pages as people and programs use them.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench.routing_corpus import history
from complaints import workflow
from complaints.extensions import db
from complaints.intake import Contact, submit_complaint
from complaints.models import Complaint, ComplaintEvent, RoutingModel
from complaints.routing import examples, training
from complaints.routing.model import (
    MIN_COVERED,
    MIN_HELD_OUT,
    TRUSTED_TYPES,
    Router,
    choose_threshold,
    held_out_split,
)
from complaints.routing.suggest import suggest
from complaints.workflow import Actor
from tests.api_helpers import bearer
from tests.conftest import Cast, category, run_at_once, unit
from tests.routing_helpers import write_history
from tests.staff_helpers import session_csrf, signed_in

ROADS = "Jalan di Desa Bube rusak parah dan berlubang sejak 3 bulan, mohon segera diperbaiki."
SUGGEST = "/api/v1/routing/suggest"


def train_cli(app: Flask) -> Any:
    return app.test_cli_runner().invoke(args=["routing", "train"])


def suggested(client: FlaskClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post(SUGGEST, json=body, headers=headers)


# --- the API before any training, and who may ask ----------------------------------------------


def test_suggest_answers_503_no_model_before_any_training_and_401_without_a_token(
    client: FlaskClient, cast: Cast
) -> None:
    response = suggested(client, bearer(cast.officer_a), description=ROADS)
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "no_model" and error["message"]

    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        refused = suggested(client, headers, description=ROADS)
        assert refused.status_code == 401
        assert refused.get_json()["error"]["code"] == "unauthorized"


def test_suggest_refuses_a_body_without_a_description_with_a_reason(
    client: FlaskClient, cast: Cast
) -> None:
    headers = bearer(cast.officer_a)
    missing = suggested(client, headers, title="Jalan rusak")
    assert missing.status_code == 422
    assert "description" in missing.get_json()["error"]["fields"]
    wrong_type = suggested(client, headers, description=12)
    assert wrong_type.status_code == 422
    assert "description" in wrong_type.get_json()["error"]["fields"]
    not_json = client.post(SUGGEST, data="jalan", headers=headers)
    assert not_json.status_code == 415


# --- training ---------------------------------------------------------------------------------


def test_train_refuses_with_too_little_data_and_says_what_is_needed(app_ctx: Flask) -> None:
    write_history(12)
    result = train_cli(app_ctx)
    assert result.exit_code != 0
    assert "Too little to learn from: 12 complaints" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoutingModel)) == 0


def test_the_model_learns_the_regency_and_suggests_the_roads_unit(
    app: Flask, client: FlaskClient, cast: Cast
) -> None:
    write_history(200)
    result = train_cli(app)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    headers = bearer(cast.officer_b)
    assert {"trained_on", "units", "categories", "took_s"} <= set(summary)
    assert summary["trained_on"] == 200 and summary["units"] == 4 and summary["categories"] == 4
    # It beats always answering the most common unit on the held-out fifth.
    assert summary["accuracy"] > summary["baseline"] + 0.3
    assert summary["top3"] >= summary["accuracy"]

    answer = suggested(
        client, headers, description=ROADS, title="Jalan rusak", address="Desa Bube, Suwawa"
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert set(body) == {"units", "categories", "auto_unit", "model"}
    best = body["units"][0]
    assert best["code"] == "PUPR" and best["name"] == "Dinas Pekerjaan Umum dan Penataan Ruang"
    assert best["score"] > 0.8
    scores = [choice["score"] for choice in body["units"]]
    assert scores == sorted(scores, reverse=True) and len(scores) <= 5
    assert all(0 <= score <= 1 for score in scores)
    assert body["categories"][0]["code"] == "road-damage"
    assert body["auto_unit"] == "PUPR"
    assert body["model"]["trained_on"] == 200
    assert body["model"]["trained_at"].startswith("2026-11-25T02:00")

    # Another text, another unit: the ranking follows the words.
    waste = suggested(client, headers, description="sampah menumpuk di pasar, bau busuk skali")
    assert waste.get_json()["units"][0]["code"] == "DLH"


# --- the threshold ------------------------------------------------------------------------------


def test_the_threshold_is_the_lowest_score_where_the_top_unit_is_right_95_percent() -> None:
    # 40 held out: 30 sure and right, then 4 at 0.6 (3 right), then 6 at 0.4 (2 right).
    scores = [0.99 - i * 0.01 for i in range(30)] + [0.6] * 4 + [0.4] * 6
    correct = [True] * 30 + [True, True, True, False] + [True, True, False, False, False, False]
    threshold = choose_threshold(scores, correct)
    assert threshold is not None
    # At 0.6: 33 right of 34 = 97 %; at 0.4: 35 of 40 = 87.5 %.
    assert threshold.value == pytest.approx(0.6)
    assert threshold.covered == 34
    assert threshold.precision == pytest.approx(33 / 34)
    assert threshold.coverage == pytest.approx(34 / 40)


def test_no_threshold_below_95_percent_or_with_too_few_held_out() -> None:
    assert choose_threshold([0.9] * 40, [True] * 37 + [False] * 3) is None  # 92.5 %
    assert choose_threshold([0.9] * (MIN_HELD_OUT - 1), [True] * (MIN_HELD_OUT - 1)) is None
    # Right at the top, but too few covered to say 95 %.
    few = MIN_COVERED - 1
    scores = [0.9] * few + [0.5] * (40 - few)
    assert choose_threshold(scores, [True] * few + [False] * (40 - few)) is None


def test_the_held_out_split_keeps_every_label_on_both_sides_and_singletons_in_training() -> None:
    labels = ["A"] * 10 + ["B"] * 2 + ["C"]
    train, test = held_out_split(labels)
    assert sorted(train + test) == list(range(13))
    assert {labels[i] for i in test} == {"A", "B"}
    assert sum(labels[i] == "A" for i in test) == 2 and 12 in train
    assert held_out_split(labels) == (train, test)  # deterministic


# --- storage without pickle ------------------------------------------------------------------


def test_the_stored_model_is_a_skops_file_read_with_the_explicit_trusted_list(
    app_ctx: Flask,
) -> None:
    write_history(120)
    assert train_cli(app_ctx).exit_code == 0
    blob = db.session.scalar(sa.select(RoutingModel.blob).where(RoutingModel.active.is_(True)))
    assert blob is not None
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        names = archive.namelist()
        assert "schema.json" in names
        for name in names:
            assert name.endswith((".json", ".npy"))
            if name.endswith(".npy"):
                np.load(io.BytesIO(archive.read(name)), allow_pickle=False)  # no object arrays
    assert set(sio.get_untrusted_types(data=blob)) <= set(TRUSTED_TYPES)
    router = Router.loads(blob)
    units, _categories = router.rank(ROADS)
    assert units[0][0] == "PUPR"

    # A file holding any other type is refused, whatever it is.
    from fractions import Fraction

    foreign = sio.dumps({"format": 1, "features": Fraction(1, 3), "unit": None, "category": None})
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        Router.loads(foreign)


# --- automatic routing and its overturn ----------------------------------------------------


def sms_complaint(text: str, number: str = "+6281234567001") -> Complaint:
    return submit_complaint(
        channel="sms",
        category=category("other"),
        description=text,
        contact=Contact(phone=number),
        external_id=f"sms-{number}-{len(text)}",
    ).complaint


def test_a_new_sms_is_routed_automatically_and_staff_overturn_it_in_one_step(
    app: Flask, cast: Cast
) -> None:
    write_history(200)
    assert train_cli(app).exit_code == 0
    model = training.active_model()
    assert model is not None and model.auto_threshold is not None
    # Below the threshold: it waits for staff, with suggestions.
    vague = "selamat pagi pak, saya mau bertanya soal yang kemarin itu bagaimana"
    assert suggest(vague).units[0].score < model.auto_threshold
    unsure = sms_complaint(vague, number="+6281234567002")
    assert unsure.status == "received" and unsure.routed_by is None

    complaint = sms_complaint("jln di desa tanggilingo rusak parah berlubang, tlg diperbaiki")
    code = complaint.code
    db.session.expire_all()
    assert complaint.status == "verified" and complaint.unit.code == "PUPR"
    assert complaint.routed_by == "model"
    event = db.session.scalar(
        sa.select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.kind == "auto_route"
        )
    )
    assert event is not None and event.data["unit"] == unit("PUPR").id
    assert event.data["score"] >= model.auto_threshold
    examples_before = examples.supply().examples

    admin = signed_in(app, cast.admin.email)
    page = admin.get(f"/staff/complaints/{code}").get_data(as_text=True)
    percent = round(event.data["score"] * 100)
    assert (
        f"Diteruskan otomatis ke Dinas Pekerjaan Umum dan Penataan Ruang (keyakinan {percent} %)"
        in page
    )
    assert f'action="/staff/complaints/{code}/reroute"' in page
    response = admin.post(
        f"/staff/complaints/{code}/reroute",
        data={
            "csrf_token": session_csrf(admin),
            "version": str(complaint.version),
            "target_unit": str(unit("DISHUB").id),
            "reason": "Ini soal lampu jalan, bukan aspal.",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert complaint.unit.code == "DISHUB" and complaint.routed_by == "staff"
    # The overturn is a training example now.
    assert examples.supply().examples == examples_before + 1


# Street lights: a matter the toy history never saw (no DISHUB example), worded with "jalan",
# so the first model is sure they are the roads unit's.
STREET_LIGHTS = (
    "lampu penerangan jalan di desa huntu mati total, gelap gulita malam hari",
    "lampu jalan di depan masjid desa bube padam sejak seminggu, rawan kecelakaan",
    "lampu PJU di kelurahan padengo tidak menyala, jalan gelap sekali",
)


def test_an_overturn_changes_the_next_models_answer_for_that_text(app_ctx: Flask) -> None:
    write_history(200)
    assert train_cli(app_ctx).exit_code == 0
    before = training.active_model()
    assert before is not None
    # Each street-light SMS is routed by the model on its own, to the wrong unit.
    complaints = [
        sms_complaint(text, number=f"+62812345670{20 + number}")
        for number, text in enumerate(STREET_LIGHTS)
    ]
    for complaint in complaints:
        assert (complaint.status, complaint.routed_by) == ("verified", "model")
        assert complaint.unit.code == "PUPR"
    # Officers overturn the three: street lights are the transport office's (DISHUB).
    actor = Actor.system("test")
    for complaint in complaints:
        workflow.reroute_complaint(complaint, unit("DISHUB"), actor, "Lampu jalan: Dishub.")
    workflow.commit()

    assert train_cli(app_ctx).exit_code == 0
    after = training.active_model()
    assert after is not None and after.id != before.id
    # Only the overturns can teach DISHUB: no other complaint of the history went there.
    for text in STREET_LIGHTS:
        assert suggest(text).units[0].code == "DISHUB", text
    # What it knew stays: a road is still the roads unit's.
    assert suggest("jalan di desa bube rusak parah dan berlubang").units[0].code == "PUPR"


def test_a_chosen_category_is_not_routed_automatically_and_staff_accept_a_suggestion(
    app: Flask, cast: Cast
) -> None:
    write_history(200)
    assert train_cli(app).exit_code == 0
    chosen = submit_complaint(
        channel="web",
        category=category("waste"),
        description=ROADS,
        external_id="web-chosen-1",
    ).complaint
    assert chosen.status == "received" and chosen.routed_by is None
    assert chosen.unit.code == "DLH"  # the category's default unit, for staff to verify

    admin = signed_in(app, cast.admin.email)
    page = admin.get(f"/staff/complaints/{chosen.code}").get_data(as_text=True)
    assert "Saran instansi" in page
    offers = re.findall(r'name="unit" value="(\d+)">.*?</span>([^<]+ — \d+ %)</button>', page, re.S)
    assert 1 <= len(offers) <= 3  # the best three, none under 1 %
    assert offers[0][0] == str(unit("PUPR").id)
    assert offers[0][1].startswith("Dinas Pekerjaan Umum dan Penataan Ruang — ")
    # One click: the offer's form verifies and routes to its unit.
    response = admin.post(
        f"/staff/complaints/{chosen.code}/verify",
        data={
            "csrf_token": session_csrf(admin),
            "version": str(chosen.version),
            "unit": offers[0][0],
            "category": str(chosen.category_id),
            "kind": chosen.kind,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert chosen.status == "verified" and chosen.unit.code == "PUPR"
    assert chosen.routed_by == "staff"


# --- the scheduler's job ------------------------------------------------------------------------


def test_the_job_trains_once_enough_data_exists_and_not_while_another_holds_the_claim(
    app_ctx: Flask,
) -> None:
    write_history(100)
    claim = training.claim_training()
    assert claim is not None
    assert training.claim_training() is None  # a second process is refused
    training.train_if_due()  # the scheduler meanwhile: no second training
    assert training.active_model() is None
    training.release_claim(claim)

    training.train_if_due()
    first = training.active_model()
    assert first is not None and first.trained_on == 100
    training.train_if_due()  # nothing new: no retraining
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoutingModel)) == 1

    write_history_more(training.RETRAIN_AFTER)
    training.train_if_due()
    latest = training.active_model()
    assert latest is not None and latest.id != first.id
    assert latest.trained_on == 100 + training.RETRAIN_AFTER


def write_history_more(count: int) -> None:
    """More history rows after those of :func:`write_history` (other codes)."""
    rows = history(count, seed=99)
    first = db.session.scalar(sa.select(Complaint).limit(1))
    assert first is not None
    for number, example in enumerate(rows):
        db.session.add(
            Complaint(
                code=f"ADU-MORE-{number:05d}",
                kind="complaint",
                channel="lapor",
                status="closed",
                category_id=category(example.category).id,
                unit_id=unit(example.unit).id,
                routed_by="history",
                description=example.description,
            )
        )
    db.session.commit()


def test_two_schedulers_racing_train_exactly_once(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises writers; the claim is tested step by step above")
        write_history(100)
    assert not run_at_once(app, training.train_if_due)
    with app.app_context():
        models = db.session.scalars(sa.select(RoutingModel)).all()
        assert len(models) == 1 and models[0].active and models[0].trained_on == 100


# --- the admin page ---------------------------------------------------------------------------


def test_the_admin_page_trains_on_the_button_and_tells_how_good_the_model_is(
    app: Flask, cast: Cast
) -> None:
    write_history(200)
    admin = signed_in(app, cast.admin.email)
    before = admin.get("/staff/admin/routing").get_data(as_text=True)
    assert "Belum ada model yang dilatih." in before
    assert "200 aduan didisposisikan staf atau riwayat SP4N-LAPOR!, 4 instansi" in before
    assert "Latih ulang sekarang" in before
    # Without the form's CSRF token nothing is trained.
    assert admin.post("/staff/admin/routing/train").status_code == 400
    assert training.active_model() is None

    response = admin.post("/staff/admin/routing/train", data={"csrf_token": session_csrf(admin)})
    assert response.status_code == 302
    page = admin.get("/staff/admin/routing").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Model disposisi sudah belajar ulang." in text
    assert "Dilatih 25 Nov 2026 10.00 WITA" in text
    assert "Dipelajari dari 200 aduan, 4 instansi, 4 kategori" in text
    assert re.search(r"Instansi tepat di urutan pertama \d+ % pada \d+ aduan uji", text)
    assert re.search(r"Didisposisikan otomatis mulai keyakinan \d+ %", text)
    assert "Melatih model disposisi" in admin.get("/staff/admin/audit").get_data(as_text=True)
    # Words, not stored values: no code, no share as a fraction, no ISO instant.
    for raw in ("PUPR", "0.9", "2026-11-25", "None", "True", "auto_threshold"):
        assert raw not in text, raw


def test_the_admin_page_names_the_units_it_confuses(app: Flask, cast: Cast) -> None:
    write_history(200, mislabelled=0.15)
    assert train_cli(app).exit_code == 0
    model = training.active_model()
    assert model is not None and model.metrics["unit"]["confused"]
    page = signed_in(app, cast.admin.email).get("/staff/admin/routing").get_data(as_text=True)
    assert re.search(r"Dinas [A-Z][^<]* dan [^<]+: tertukar \d+ kali", page)


def test_new_lapor_reports_are_routed_automatically_after_the_import(
    app: Flask, app_ctx: Flask
) -> None:
    """A LAPOR! export imported as new reports (not history): the model routes the ones it
    is sure of, as intake does for an SMS; history rows keep the unit LAPOR! gave."""
    from complaints import lapor

    write_history(200)
    assert train_cli(app).exit_code == 0
    export = (
        b"Tracking ID;Judul Laporan;Isi Laporan Awal\r\n"
        b"9001;Jalan rusak;Jalan di desa Tanggilingo rusak parah berlubang, mohon diperbaiki\r\n"
        b"9002;Pertanyaan;selamat pagi pak, saya mau bertanya soal yang kemarin itu bagaimana\r\n"
    )
    summary = lapor.import_file(
        export, "laporan.csv", lapor.ImportOptions(), Actor.system("lapor-import")
    )
    assert summary.imported == 2 and not summary.errors
    by_id = {
        complaint.lapor_id: complaint
        for complaint in db.session.scalars(
            sa.select(Complaint).where(Complaint.lapor_id.in_(["9001", "9002"]))
        )
    }
    road, vague = by_id["9001"], by_id["9002"]
    assert (road.status, road.routed_by, road.unit.code) == ("verified", "model", "PUPR")
    assert (vague.status, vague.routed_by) == ("received", None)
