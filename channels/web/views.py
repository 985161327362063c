"""Citizen pages. Thin: parse the form, call intake or workflow, render."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from complaints import reporter_keys
from complaints.categories import active_category, category_choices
from complaints.errors import ValidationFailed
from complaints.extensions import limiter
from complaints.form_errors import show_on_form
from complaints.intake import Contact, submit_complaint
from complaints.nearby import NearbyReport, nearby_reports, supporter_count, supporters_words
from complaints.notify import reporter_address
from complaints.support import NotSupportable, add_supporter, supportable_complaint

from . import held_photos, reach
from .forms import ComplaintForm, TrackForm

bp = Blueprint("web", __name__)


def _locale() -> str:
    return str(get_locale() or "id")


def _category_choices() -> list[SelectChoice]:
    return category_choices(_locale())


@bp.app_context_processor
def regency() -> dict[str, object]:
    """Who runs the service, for every page's header, title and footer."""
    return {
        "regency_name": current_app.config["REGENCY_NAME"],
        "regency_logo": bool(current_app.config.get("REGENCY_LOGO")),
    }


# A complaint's supporters ("Dukung laporan ini"), for the tracking page and the staff console.
bp.add_app_template_filter(supporter_count, "supporter_count")
bp.add_app_template_filter(supporters_words, "supporters_words")


@bp.get("/favicon.ico")
def favicon() -> Response:
    return send_from_directory(current_app.static_folder or "static", "favicon.ico", max_age=86400)


@bp.get("/logo")
def logo() -> Response:
    """The regency's logo (ADUAN_REGENCY_LOGO), or 404 when none is set."""
    path = current_app.config.get("REGENCY_LOGO")
    if not path or not Path(path).is_file():
        abort(404)
    return send_file(Path(path).resolve(), max_age=86400)


@bp.get("/")
def home() -> str:
    return render_template("web/home.html", track_form=TrackForm())


def _as_float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _form_page(
    form: ComplaintForm, status: int = 200, nearby: list[NearbyReport] | None = None
) -> tuple[str, int]:
    """The complaint form, first shown or shown again, with the photos held for it.

    Every showing of the form goes through here, so a step that sends it back
    (an error, a question) never loses what the citizen already sent. ``nearby``:
    the open reports near its pin, shown to support one instead.
    """
    kept = held_photos.held(form.submission_token.data or "")
    page = render_template("web/new.html", form=form, kept_photos=kept, nearby=nearby or [])
    return page, status


def _hold_photos(form: ComplaintForm) -> tuple[str, str | None]:
    """This browser's token for the form, after holding the POST's photos under it.

    Photos ticked "Remove" go first, then the new ones are held; returns the
    token and, when the new photos could not be held, the reason.
    """
    token = held_photos.owned_token(form.submission_token.data)
    form.submission_token.data = token
    held_photos.remove(token, request.form.getlist(held_photos.REMOVE_FIELD))
    return token, held_photos.hold(token, request.files.getlist(form.photos.name))


@bp.route("/complaints/new", methods=["GET", "POST"])
@limiter.limit("10/minute;100/day", methods=["POST"])
def new_complaint() -> str | Response | tuple[str, int]:
    form = ComplaintForm()
    form.category.choices = _category_choices()
    if request.method == "GET":
        form.submission_token.data = held_photos.issue()
        return _form_page(form)
    # The photos first, before anything can send the form back: on 3G they cost
    # the citizen a minute, so whatever comes next, they are kept.
    token, photo_problem = _hold_photos(form)
    if request.form.get("support"):
        return _support(form, token)
    valid = form.validate_on_submit()
    if photo_problem:
        form.photos.errors = [photo_problem]
    if not valid or photo_problem:
        return _form_page(form, 422)
    if not request.form.get("file_anyway"):
        nearby = _nearby_for(form)
        if nearby:  # "Sudah ada yang melaporkan?", asked here when no script asked it
            flash(
                gettext(
                    "Open reports on the same topic are close to this place. Look at them "
                    "below, above the send button: support one, or send yours anyway."
                ),
                "warning",
            )
            return _form_page(form, nearby=nearby)
    try:
        result = submit_complaint(
            channel="web",
            category=active_category(form.category.data),
            description=form.description.data,
            kind=form.kind.data,
            lat=_as_float(form.lat.data),
            lon=_as_float(form.lon.data),
            address=form.address.data,
            kecamatan=form.kecamatan.data,
            desa=form.desa.data,
            contact=Contact(name=form.name.data, phone=form.phone.data, email=form.email.data),
            anonymous=form.anonymous.data,
            confidential=form.confidential.data,
            locale=_locale(),
            external_id=f"form-{token}",
            photos=held_photos.release(token),
        )
    except ValidationFailed as failure:
        show_on_form(form, failure)
        return _form_page(form, 422)
    # Filed (or filed before, by a replay of this form): the photos are the complaint's now.
    held_photos.forget(token)
    # This browser filed it (a replay of the same form token is the same browser).
    reporter_keys.remember(result.complaint.code)
    flash(gettext("Your report has been received. Keep your tracking code."), "success")
    return redirect(url_for("web.track", code=result.complaint.code, new=1))


def _nearby_for(form: ComplaintForm) -> list[NearbyReport]:
    """The open public reports of the form's topic near its pin (none without both)."""
    lat, lon = _as_float(form.lat.data), _as_float(form.lon.data)
    if lat is None or lon is None or not form.category.data:
        return []
    return nearby_reports(form.category.data, lat, lon, _locale())


def _support(form: ComplaintForm, token: str) -> Response | tuple[str, int]:
    """Support a report ("Dukung laporan ini") with the form's contact; file nothing.

    Only the contact is checked (and the CSRF token): the topic and the text
    the citizen may have left empty belong to the report they did not file.
    """
    checked = [field.validate(form) for field in (form.csrf_token, form.name, form.phone)]
    checked.append(form.email.validate(form))
    if not all(checked):
        return _form_page(form, 422, nearby=_nearby_for(form))
    try:
        complaint = supportable_complaint(request.form.get("support"))
        supporter = add_supporter(
            complaint,
            Contact(name=form.name.data, phone=form.phone.data, email=form.email.data),
            external_id=f"form-{token}",
            locale=_locale(),
        )
    except ValidationFailed as failure:
        show_on_form(form, failure)
        return _form_page(form, 422, nearby=_nearby_for(form))
    except NotSupportable as refusal:
        flash(refusal.message, "danger")
        return _form_page(form, 422, nearby=_nearby_for(form))
    target = reporter_address(supporter.reporter)
    sending = reach.citizen_channels(current_app).sending
    channel = target[0] if target is not None and target[0] in sending else None
    if channel == "sms":
        flash(
            gettext(
                "Thank you. Your support is recorded; we will send you the report's "
                "progress by SMS."
            ),
            "success",
        )
    elif channel == "email":
        flash(
            gettext(
                "Thank you. Your support is recorded; we will send you the report's "
                "progress by e-mail."
            ),
            "success",
        )
    else:
        flash(
            gettext(
                "Thank you. Your support is recorded. Follow the report's progress on "
                "this page with its tracking code."
            ),
            "success",
        )
    return redirect(url_for("web.track", code=complaint.code))


@bp.get("/complaints/nearby")
@limiter.limit("60/minute")
def nearby() -> str | tuple[str, int]:
    """The open reports near a pin, as the form's fragment (static/js/nearby.js); "" if none."""
    try:
        lat, lon = float(request.args["lat"]), float(request.args["lon"])
    except (KeyError, ValueError):
        return "", 400
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also refuses nan and inf
        return "", 400
    reports = nearby_reports(request.args.get("category", "")[:64], lat, lon, _locale())
    if not reports:
        return ""
    return render_template("web/_nearby_list.html", nearby=reports)


@bp.post("/complaints/new/photos")
@limiter.limit("20/minute;200/day")
def hold_photos() -> tuple[dict[str, object], int]:
    """Photos sent ahead by the form's script (with a progress bar); the form follows alone."""
    form = ComplaintForm()
    token, problem = _hold_photos(form)
    if problem:
        return {"token": token, "error": problem}, 422
    return {"token": token, "held": len(held_photos.held(token))}, 200


@bp.get("/complaints/new/photos/<token>/<int:photo_id>")
def held_photo(token: str, photo_id: int) -> Response:
    """A thumbnail of a photo held for this browser's form; 404 for anyone else."""
    picture = held_photos.thumbnail(token, photo_id)
    if picture is None:
        abort(404)
    response = Response(picture, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    return response
