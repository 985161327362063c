"""Admin pages: configuration (units, categories, SLA policies, users, holidays,
canned replies), channel status, the outbox backlog and the audit log.

Every route here is for admins only; the access matrix test covers them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from channels import channel_status, smsgate, whatsapp
from channels import email as mail
from channels.sms.blocklist import block_address, blocked_addresses, unblock_address
from complaints import clock, labels, units, workflow
from complaints.auth import (
    NO_PASSWORD_YET,
    invitation_pending,
    revoke_sessions,
    set_password,
)
from complaints.codes import complaint_by_code, normalize_code
from complaints.erasure import erase_person
from complaints.errors import DomainError, ValidationFailed
from complaints.extensions import db
from complaints.i18n import local_time
from complaints.ids import as_id
from complaints.intake import normalize_phone
from complaints.models import (
    AuditLog,
    BlockedAddress,
    CannedReply,
    Category,
    Complaint,
    Holiday,
    OutboundMessage,
    OutboxStatus,
    Role,
    SlaPolicy,
    Unit,
    User,
)
from complaints.outbox import backlog, transports
from complaints.workflow import Actor
from sla.policies import working_calendar

from .admin_forms import (
    BlockForm,
    CannedReplyForm,
    CategoryForm,
    ConfirmForm,
    ErasureForm,
    HolidayForm,
    PolicyForm,
    UnitForm,
    UserForm,
)
from .invitation import invitation_page, reset_link_page
from .views import _visible_complaint as visible_complaint
from .views import audit, bp, staff_user

logger = logging.getLogger(__name__)


def admin_only(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if staff_user().role != Role.ADMIN:
            abort(403)
        return view(*args, **kwargs)

    return login_required(checked)


def _units() -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [
        SelectChoice(str(unit.id), unit.name)
        for unit in db.session.scalars(select(Unit).order_by(Unit.name))
    ]


def _policies() -> list[SelectChoice]:
    return [
        SelectChoice(str(policy.id), policy.name)
        for policy in db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.code))
    ]


def _categories() -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [
        SelectChoice(str(category.id), category.name_id)
        for category in db.session.scalars(select(Category).order_by(Category.sort_order))
    ]


@dataclass(frozen=True)
class Column:
    """A list column: its header in words and the cell's text for one item."""

    header: Any  # a lazy translated string
    text: Callable[[Any], str]


@dataclass(frozen=True)
class Section:
    """One editable kind of configuration: its model, form, and how they map."""

    name: str
    title: Any  # a lazy translated string
    model: type[Any]
    form: type[FlaskForm]
    columns: tuple[Column, ...]
    prepare: Callable[[FlaskForm], None]
    load: Callable[[FlaskForm, Any], None]
    save: Callable[[FlaskForm, Any], None]
    order_by: Any


def _prepare_unit(form: Any) -> None:
    form.parent.choices = _units()


def _load_unit(form: Any, unit: Unit) -> None:
    form.parent.data = str(unit.parent_id or "")
    form.aliases.data = "\n".join(units.aliases_of(unit))


def _save_unit(form: Any, unit: Unit) -> None:
    unit.code = form.code.data.strip().upper()
    unit.name = form.name.data.strip()
    parent_id = as_id(form.parent.data)
    if parent_id is not None and parent_id == unit.id:
        raise ValueError(gettext("A unit cannot report to itself."))
    unit.parent_id = parent_id
    unit.is_regency_level = form.is_regency_level.data
    unit.is_front_office = form.is_front_office.data
    unit.active = form.active.data
    db.session.add(unit)
    db.session.flush()  # a new unit's id, for its aliases
    try:
        units.replace_aliases(unit, (form.aliases.data or "").splitlines())
    except ValidationFailed as failure:
        raise ValueError(" ".join(failure.fields.values())) from None


def _prepare_category(form: Any) -> None:
    form.default_unit.choices = _units()[1:]
    form.sla_policy.choices = _policies()


def _load_category(form: Any, category: Category) -> None:
    form.default_unit.data = str(category.default_unit_id or "")
    form.sla_policy.data = str(category.sla_policy_id or "")


def _save_category(form: Any, category: Category) -> None:
    category.code = form.code.data.strip().lower()
    category.name_id = form.name_id.data.strip()
    category.name_en = form.name_en.data.strip()
    category.default_unit_id = as_id(form.default_unit.data)
    category.sla_policy_id = as_id(form.sla_policy.data)
    category.default_kind = form.default_kind.data
    category.keywords = (form.keywords.data or "").strip().lower()
    category.sort_order = form.sort_order.data or 0
    category.active = form.active.data


def _no_choices(form: Any) -> None:
    return None


def _no_load(form: Any, item: Any) -> None:
    return None


def _save_policy(form: Any, policy: SlaPolicy) -> None:
    for name in (
        "code",
        "name",
        "verify_days",
        "response_days",
        "resolve_days",
        "urgent_resolve_days",
        "confirm_days",
        "reminder_percent",
        "level2_after_days",
    ):
        setattr(policy, name, getattr(form, name).data)
    policy.source = form.source.data or ""


def _prepare_user(form: Any) -> None:
    form.unit.choices = _units()


def _load_user(form: Any, user: User) -> None:
    form.unit.data = str(user.unit_id or "")
    form.password.data = ""


def _save_user(form: Any, user: User) -> None:
    # A new password, another role or deactivation ends every session of the account.
    signs_out = user.id is not None and (
        bool(form.password.data)
        or form.role.data != user.role
        or (user.active and not form.active.data)
    )
    user.email = form.email.data.strip().lower()
    user.name = (form.name.data or "").strip()
    user.role = form.role.data
    user.unit_id = as_id(form.unit.data)
    if user.role != Role.ADMIN and user.unit_id is None:
        raise ValueError(gettext("Officers and supervisors belong to a unit."))
    phone = (form.phone.data or "").strip()
    user.phone = normalize_phone(phone) if phone else None
    if phone and user.phone is None:
        raise ValueError(gettext("This is not a valid phone number."))
    if _invites(form):
        user.password_hash = NO_PASSWORD_YET  # the invitation link is issued once saved
    elif form.password.data:
        # Chosen by the admin, so temporary: its owner picks their own at sign-in.
        set_password(user, form.password.data, temporary=user.id != staff_user().id)
    elif user.password_hash is None:
        raise ValueError(gettext("A new account needs a password."))
    user.active = form.active.data
    if signs_out:
        revoke_sessions(user, except_this_one=user.id == staff_user().id)


def _invites(form: Any) -> bool:
    """Whether a new account's form chose an invitation link over a temporary password."""
    return "access" in form and form.access.data == UserForm.INVITE


def _label_password(form: Any, *, new: bool) -> None:
    """The password field as an admin reads it: a temporary password the person replaces."""
    if new:
        form.password.label.text = gettext("Temporary password")
        form.password.description = gettext(
            "Only when setting a temporary password. Give it to the person privately; at "
            "their first sign-in they must choose their own password."
        )
    else:
        form.password.label.text = gettext("New temporary password (leave empty to keep)")
        form.password.description = gettext(
            "The person must replace it at their next sign-in; every browser signed in as "
            "them is signed out. To let them choose a password without telling them one, "
            "issue a reset link below instead."
        )


def _prepare_canned(form: Any) -> None:
    form.category.choices = _categories()


def _load_canned(form: Any, reply: CannedReply) -> None:
    form.category.data = str(reply.category_id or "")


def _save_canned(form: Any, reply: CannedReply) -> None:
    reply.category_id = as_id(form.category.data)
    reply.title = form.title.data.strip()
    reply.body_id = form.body_id.data.strip()
    reply.body_en = (form.body_en.data or "").strip()


def _days(value: int | None) -> str:
    return "—" if value is None else str(value)


UNIT_COLUMNS = (
    Column(_l("Name"), lambda unit: unit.name),
    Column(_l("Abbreviation"), lambda unit: unit.code),
    Column(_l("Reports to"), lambda unit: unit.parent.name if unit.parent else "—"),
    Column(_l("Regency level"), lambda unit: labels.yes_no(unit.is_regency_level)),
    Column(_l("Front office"), lambda unit: labels.yes_no(unit.is_front_office)),
    Column(_l("State"), lambda unit: labels.active_label(unit.active)),
)
CATEGORY_COLUMNS = (
    Column(_l("Name"), lambda category: category.name(str(get_locale() or "id"))),
    Column(_l("Kind"), lambda category: labels.kind_label(category.default_kind)),
    Column(_l("Routed to"), lambda category: _name(category.default_unit)),
    Column(_l("SLA policy"), lambda category: _name(category.sla_policy)),
    Column(_l("State"), lambda category: labels.active_label(category.active)),
)
POLICY_COLUMNS = (
    Column(_l("Name"), lambda policy: policy.name),
    Column(_l("Verification limit (working days)"), lambda policy: _days(policy.verify_days)),
    Column(_l("First response limit (working days)"), lambda p: _days(p.response_days)),
    Column(_l("Resolution limit (working days)"), lambda policy: _days(policy.resolve_days)),
    Column(_l("Urgent resolution limit (working days)"), lambda p: _days(p.urgent_resolve_days)),
    Column(_l("Citizen's confirmation (working days)"), lambda p: _days(p.confirm_days)),
)
USER_COLUMNS = (
    Column(_l("E-mail"), lambda user: user.email),
    Column(_l("Name"), lambda user: user.name or "—"),
    Column(_l("Role"), lambda user: labels.role_label(user.role)),
    Column(_l("Unit"), lambda user: _name(user.unit)),
    Column(_l("Last sign-in"), lambda user: local_time(user.last_login_at) or _never()),
    Column(_l("State"), lambda user: _user_state(user)),
)
CANNED_COLUMNS = (
    Column(_l("Title"), lambda reply: reply.title),
    Column(_l("Category"), lambda reply: _category_name(reply.category_id)),
)


def _name(item: Unit | SlaPolicy | None) -> str:
    return item.name if item is not None else "—"


def _never() -> str:
    return gettext("never")


def _user_state(user: User) -> str:
    """Active or not, and for an invited person whether their invitation still works."""
    if not user.active or not invitation_pending(user):
        return labels.active_label(user.active)
    return invitation_state(user)


def invitation_state(user: User) -> str:
    """An invited person's invitation in words: open until when, or expired."""
    until = user.password_reset_expires_at
    if until is None or until <= clock.now():
        return gettext("Invitation expired without being used")
    return gettext("Invitation not used yet (valid until %(time)s)", time=local_time(until))


def _category_name(category_id: int | None) -> str:
    if category_id is None:
        return gettext("All categories")
    category = db.session.get(Category, category_id)
    return category.name(str(get_locale() or "id")) if category else "—"


SECTIONS = {
    section.name: section
    for section in (
        Section("units", _l("Units"), Unit, UnitForm, UNIT_COLUMNS,
                _prepare_unit, _load_unit, _save_unit, Unit.name),
        Section("categories", _l("Categories"), Category, CategoryForm, CATEGORY_COLUMNS,
                _prepare_category, _load_category, _save_category, Category.sort_order),
        Section("policies", _l("SLA policies"), SlaPolicy, PolicyForm, POLICY_COLUMNS,
                _no_choices, _no_load, _save_policy, SlaPolicy.code),
        Section("users", _l("Users"), User, UserForm, USER_COLUMNS,
                _prepare_user, _load_user, _save_user, User.email),
        Section("canned", _l("Canned replies"), CannedReply, CannedReplyForm, CANNED_COLUMNS,
                _prepare_canned, _load_canned, _save_canned, CannedReply.title),
    )
}  # fmt: skip


def _section(name: str) -> Section:
    section = SECTIONS.get(name)
    if section is None:
        abort(404)
    return section


# The channel modules' status keys and their fixed values (``channels.channel_status``),
# in words. Other values are addresses, host names or phone numbers, shown as they are.
CHANNEL_DETAIL_NAMES = {
    "webhook": _l("Webhook address"),
    "webhook secret": _l("Webhook secret"),
    "Bot API": _l("Bot API server"),
    "status callback": _l("Delivery report address"),
    "SMS sender": _l("SMS sender number"),
    "WhatsApp sender": _l("WhatsApp sender number"),
    "API": _l("Provider API server"),
    "provider": _l("Provider"),
    "default sender": _l("Sends staff notices and messages of no channel"),
    "gateway health": _l("Gateway health"),
    "outbound": _l("Outgoing mail (SMTP server)"),
    "mailbox": _l("Mailbox read for complaints (IMAP)"),
}
CHANNEL_DETAIL_VALUES = {
    "set": _l("set"),
    "not set: the webhook refuses every update (polling only)": _l(
        "not set: the webhook refuses every message, so only polling receives them"
    ),
    "off (no PUBLIC_BASE_URL)": _l("off: the public address (PUBLIC_BASE_URL) is not set"),
    "none: outbound SMS wait (set TWILIO_FROM_NUMBER)": _l(
        "none: outgoing SMS wait until TWILIO_FROM_NUMBER is set"
    ),
    "none": _l("none"),
    "twilio": _l("Twilio (citizens who wrote to the phone are answered by the phone)"),
    "gateway": _l("the Android phone gateway"),
    smsgate.PROVIDER_NAME: _l("SMS Gateway for Android (an Android phone with a local SIM)"),
    whatsapp.PROVIDER_NAME: _l("WhatsApp Cloud API (Meta)"),
    mail.OUTBOUND_OFF: _l(
        "off: MAIL_SERVER and MAIL_DEFAULT_SENDER are not set, so no mail is sent"
    ),
    mail.MAILBOX_OFF: _l(
        "off: IMAP_HOST, IMAP_USERNAME and IMAP_PASSWORD are not set, "
        "so no complaint is read from mail"
    ),
}


def channel_details(status: dict[str, object]) -> list[tuple[str, str]]:
    """A channel's status details as (name, value) in the reader's language."""
    details = []
    for key, value in status.items():
        if key in ("channel", "configured"):
            continue
        name = CHANNEL_DETAIL_NAMES.get(key, key)
        text = CHANNEL_DETAIL_VALUES.get(str(value), str(value))
        details.append((str(name), str(text)))
    return details


@bp.get("/admin/")
@admin_only
def admin_home() -> str:
    return render_template(
        "staff/admin/home.html",
        channels=channel_status(current_app, probe=True),
        transports=sorted(transports()),
        backlog=backlog(),
        failed=db.session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.status == OutboxStatus.FAILED.value)
            .order_by(OutboundMessage.id.desc())
            .limit(50)
        ).all(),
        sections=SECTIONS.values(),
        channel_details=channel_details,
        form=ConfirmForm(),
    )


@bp.get("/admin/<section_name>/")
@admin_only
def admin_list(section_name: str) -> str:
    section = _section(section_name)
    # Every relation a column reads (a user's unit, a category's policy), loaded up front.
    items = db.session.scalars(
        select(section.model).options(selectinload("*")).order_by(section.order_by)
    ).all()
    return render_template("staff/admin/list.html", section=section, items=items)


@bp.route("/admin/<section_name>/new", methods=["GET", "POST"])
@bp.route("/admin/<section_name>/<int:item_id>", methods=["GET", "POST"])
@admin_only
def admin_edit(section_name: str, item_id: int | None = None) -> ResponseReturnValue:
    section = _section(section_name)
    item = db.session.get(section.model, item_id) if item_id is not None else None
    if item_id is not None and item is None:
        abort(404)
    form = section.form(obj=item) if request.method == "GET" else section.form()
    section.prepare(form)
    if section.name == "users":
        _label_password(form, new=item is None)
        if item is not None:
            del form.access  # how a person first signs in is chosen once, at creation
    if request.method == "GET" and item is not None:
        section.load(form, item)
    if form.validate_on_submit():
        target = item if item is not None else section.model()
        try:
            section.save(form, target)
            db.session.add(target)
            db.session.flush()
            audit(f"admin_{section.name}_saved", staff_user(), None, id=target.id)
            db.session.commit()
        except ValueError as refusal:
            db.session.rollback()
            flash(str(refusal), "danger")
        except IntegrityError:
            db.session.rollback()
            flash(gettext("That code or e-mail is already used."), "danger")
        else:
            if item is None and section.name == "users" and _invites(form):
                return invitation_page(target)
            flash(gettext("Saved."), "success")
            return redirect(url_for("staff.admin_list", section_name=section.name))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "staff/admin/edit.html",
        section=section,
        form=form,
        item=item,
        confirm_form=ConfirmForm(),
        invitation=_invitation_words(item),
    ), status


def _invitation_words(item: Any) -> str | None:
    """For an invited person's page: their invitation in words (else None)."""
    if isinstance(item, User) and invitation_pending(item):
        return invitation_state(item)
    return None


@bp.post("/admin/users/<int:user_id>/reset-link")
@admin_only
def admin_reset_link(user_id: int) -> ResponseReturnValue:
    """Issue a one-time password-reset link: mailed to the user, or shown to the admin once."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("staff.admin_edit", section_name="users", item_id=user.id))
    return reset_link_page(user)


@bp.post("/admin/users/<int:user_id>/invitation")
@admin_only
def admin_invitation(user_id: int) -> ResponseReturnValue:
    """A new invitation for someone who has not used theirs; the earlier link stops working."""
    user = db.get_or_404(User, user_id)
    back = url_for("staff.admin_edit", section_name="users", item_id=user.id)
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    if not invitation_pending(user):
        flash(gettext("This person has chosen a password already: issue a reset link."), "info")
        return redirect(back)
    return invitation_page(user)


@bp.post("/admin/users/<int:user_id>/two-step/off")
@admin_only
def admin_two_step_off(user_id: int) -> Response:
    """Turn a user's two-step sign-in off (a lost phone); they set it up again."""
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit() and user.uses_two_step:
        user.totp_secret = None
        user.totp_confirmed_at = None
        user.totp_last_counter = None
        revoke_sessions(user, except_this_one=user.id == staff_user().id)
        audit("admin_two_step_removed", staff_user(), user)
        db.session.commit()
        flash(gettext("Two-step sign-in is off for this user."), "success")
    return redirect(url_for("staff.admin_edit", section_name="users", item_id=user.id))


@bp.route("/admin/holidays", methods=["GET", "POST"])
@admin_only
def admin_holidays() -> ResponseReturnValue:
    form = HolidayForm()
    calendar = working_calendar()
    if form.validate_on_submit():
        national = calendar.national_holidays(form.day.data.year).get(form.day.data)
        if national is not None:
            flash(
                gettext(
                    "That day is already a national holiday (%(name)s): deadlines skip it"
                    " without a regional entry.",
                    name=national,
                ),
                "warning",
            )
        try:
            db.session.add(Holiday(day=form.day.data, name=form.name.data.strip()))
            audit("admin_holiday_added", staff_user(), None, day=str(form.day.data))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            flash(gettext("That day is already a holiday."), "danger")
        else:
            flash(gettext("Holiday added. New deadlines skip it."), "success")
            return redirect(url_for("staff.admin_holidays"))
    holidays = db.session.scalars(select(Holiday).order_by(Holiday.day.desc())).all()
    year = clock.now().astimezone(ZoneInfo(current_app.config["ADUAN_TIMEZONE"])).year
    return render_template(
        "staff/admin/holidays.html",
        form=form,
        holidays=holidays,
        delete_form=ConfirmForm(),
        national_year=year,
        national=sorted(calendar.national_holidays(year).items()),
    )


@bp.post("/admin/holidays/<int:holiday_id>/delete")
@admin_only
def admin_holiday_delete(holiday_id: int) -> Response:
    holiday = db.get_or_404(Holiday, holiday_id)
    if ConfirmForm().validate_on_submit():
        audit("admin_holiday_removed", staff_user(), None, day=str(holiday.day))
        db.session.delete(holiday)
        db.session.commit()
        flash(gettext("Holiday removed."), "success")
    return redirect(url_for("staff.admin_holidays"))


@bp.post("/admin/outbox/<int:message_id>/retry")
@admin_only
def admin_outbox_retry(message_id: int) -> Response:
    message = db.get_or_404(OutboundMessage, message_id)
    if ConfirmForm().validate_on_submit() and message.status == OutboxStatus.FAILED:
        message.status = OutboxStatus.PENDING.value
        message.attempts = 0
        message.next_attempt_at = clock.now()
        audit("admin_outbox_retry", staff_user(), None, message=message.id)
        db.session.commit()
        flash(gettext("The message will be sent again."), "success")
    return redirect(url_for("staff.admin_home"))


@bp.get("/admin/audit")
@admin_only
def admin_audit() -> str:
    """The audit log, by user (``?user=ID``) or for one complaint (``?complaint=CODE``)."""
    query = select(AuditLog).order_by(AuditLog.id.desc()).limit(200)
    complaint = None
    if (user_id := as_id(request.args.get("user"))) is not None:
        query = query.where(AuditLog.actor_user_id == user_id)
    typed = request.args.get("complaint", "")
    if normalize_code(typed):  # a code that cannot exist lists everything, as no filter does
        complaint = complaint_by_code(typed)
        if complaint is None:
            abort(404)
        query = query.where(AuditLog.target_type == "complaint", AuditLog.target_id == complaint.id)
    entries = db.session.scalars(query).all()
    users = db.session.scalars(select(User).order_by(User.name, User.email)).all()
    return render_template(
        "staff/admin/audit.html",
        entries=entries,
        complaint=complaint,
        users=users,
        people={user.id: user for user in users},
        targets=_complaint_codes(entries),
    )


def _complaint_codes(entries: Sequence[AuditLog]) -> dict[int, str]:
    """The tracking codes of the complaints the entries name, in one query."""
    ids = {entry.target_id for entry in entries if entry.target_type == "complaint"}
    if not ids:
        return {}
    rows = db.session.execute(select(Complaint.id, Complaint.code).where(Complaint.id.in_(ids)))
    return {complaint_id: code for complaint_id, code in rows}


@bp.route("/admin/blocked", methods=["GET", "POST"])
@admin_only
def admin_blocked() -> ResponseReturnValue:
    """Senders whose SMS, WhatsApp or Telegram messages are refused."""
    form = BlockForm()
    if form.validate_on_submit():
        try:
            block_address(
                form.channel.data or "sms",
                form.address.data or "",
                form.reason.data or "",
                staff_user(),
            )
            audit("admin_sender_blocked", staff_user(), None, channel=form.channel.data)
            db.session.commit()
        except ValidationFailed as failure:
            db.session.rollback()
            form.address.errors = list(failure.fields.values())
        else:
            flash(gettext("Sender blocked."), "success")
            return redirect(url_for("staff.admin_blocked"))
    return render_template(
        "staff/admin/blocked.html",
        form=form,
        blocked=blocked_addresses(),
        remove_form=ConfirmForm(),
    )


@bp.post("/admin/blocked/<int:blocked_id>/remove")
@admin_only
def admin_unblock(blocked_id: int) -> Response:
    blocked = db.get_or_404(BlockedAddress, blocked_id)
    if ConfirmForm().validate_on_submit():
        unblock_address(blocked.channel, blocked.address, staff_user())
        audit("admin_sender_unblocked", staff_user(), None, channel=blocked.channel)
        db.session.commit()
        flash(gettext("Sender unblocked."), "success")
    return redirect(url_for("staff.admin_blocked"))


@bp.post("/complaints/<code>/erase")
@admin_only
def admin_erase_reporter(code: str) -> Response:
    """Erase the reporter's personal data on their request (DESIGN.md: privacy)."""
    complaint = visible_complaint(code)
    target = url_for("staff.complaint_view", code=complaint.code)
    form = ErasureForm()
    if not form.validate_on_submit():
        flash(gettext("Give the reason and tick the box to erase the personal data."), "danger")
        return redirect(target)
    actor, reason = Actor.staff(staff_user()), form.reason.data or ""
    try:
        erased = erase_person(complaint, actor, reason, all_complaints=bool(form.everything.data))
        workflow.commit()
    except DomainError as refusal:
        db.session.rollback()
        flash(refusal.message, "danger")
        return redirect(target)
    if len(erased) > 1:
        flash(
            gettext(
                "The reporter's personal data was erased from %(count)d complaints: %(codes)s.",
                count=len(erased),
                codes=", ".join(summary.code for summary in erased),
            ),
            "success",
        )
    else:
        flash(gettext("The reporter's personal data was erased."), "success")
    return redirect(target)
