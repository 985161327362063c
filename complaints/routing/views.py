"""The admin page of the routing model: GET /staff/admin/routing, POST …/train (admins only).

The page reads :mod:`complaints.routing.report`. "Latih ulang sekarang"
trains at once while the history is small (a few seconds); a larger one is
trained in a background thread of this process, and the page says a
training is under way until it is done (the claim row of
:mod:`complaints.routing.training` keeps it to one at a time everywhere).
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from complaints.extensions import db
from complaints.staff.admin import admin_only
from complaints.staff.admin_forms import ConfirmForm
from complaints.staff.views import audit, bp, staff_user

from . import examples as teaching
from . import report
from .training import TooLittleData, TrainingBusy, train

logger = logging.getLogger(__name__)

# Up to this many examples the button trains within the request (seconds).
TRAIN_IN_REQUEST = 5000


@bp.get("/admin/routing")
@admin_only
def admin_routing() -> str:
    return render_template("staff/admin/routing.html", model=report.build(), form=ConfirmForm())


@bp.post("/admin/routing/train")
@admin_only
def admin_routing_train() -> Response:
    if not ConfirmForm().validate_on_submit():
        flash(gettext("The form has expired. Please try again."), "danger")
        return redirect(url_for("staff.admin_routing"))
    audit("admin_routing_trained", staff_user())
    db.session.commit()
    found = teaching.supply()
    if found.examples > TRAIN_IN_REQUEST:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(target=_train_in_background, args=(app,), daemon=True).start()
        flash(gettext("Training has started. Reload this page in a few minutes."), "success")
        return redirect(url_for("staff.admin_routing"))
    try:
        trained = train()
    except TooLittleData:
        flash(gettext("There is too little to learn from yet."), "danger")
    except TrainingBusy:
        flash(gettext("A training is already under way. Reload this page shortly."), "warning")
    else:
        assert trained is not None
        flash(gettext("The routing model has learnt again."), "success")
    return redirect(url_for("staff.admin_routing"))


def _train_in_background(app: Flask) -> None:
    with app.app_context():
        try:
            train()
        except (TooLittleData, TrainingBusy) as refusal:
            logger.info("routing training from the admin page skipped: %s", refusal.message)
        except Exception:
            logger.exception("routing training from the admin page failed")
        finally:
            db.session.remove()
