"""Who may see and handle which complaint, and who may see the reporter.

- officer: complaints of their own unit; front-office officers also see the
  intake desk (every complaint still ``received``).
- supervisor: complaints of their unit and all its sub-units.
- admin: everything.
Anonymous reporters are visible to admins only; a confidential complaint's
reporter is hidden from anyone outside the handling unit.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from complaints.extensions import db
from complaints.models import Complaint, Role, Status, Unit, User


def unit_and_descendants(unit_id: int) -> set[int]:
    """Ids of a unit and every unit below it (the unit table is small: one query)."""
    children: dict[int | None, list[int]] = {}
    for child_id, parent_id in db.session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(child_id)
    found, pending = {unit_id}, [unit_id]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def visible_filter(user: User) -> ColumnElement[bool]:
    """A WHERE clause limiting complaints to those ``user`` may see."""
    if user.role == Role.ADMIN:
        return true()
    if user.unit_id is None:
        return false()
    if user.role == Role.SUPERVISOR:
        return Complaint.unit_id.in_(unit_and_descendants(user.unit_id))
    own_unit = Complaint.unit_id == user.unit_id
    if user.unit is not None and user.unit.is_front_office:
        return or_(own_unit, Complaint.status == Status.RECEIVED.value)
    return own_unit


def can_see(user: User, complaint: Complaint) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.unit_id is None:
        return False
    if user.role == Role.SUPERVISOR:
        return complaint.unit_id in unit_and_descendants(user.unit_id)
    if complaint.unit_id == user.unit_id:
        return True
    return bool(
        user.unit is not None
        and user.unit.is_front_office
        and complaint.status == Status.RECEIVED.value
    )


def can_see_reporter(user: User, complaint: Complaint) -> bool:
    if user.role == Role.ADMIN:
        return True
    if complaint.anonymous:
        return False
    if complaint.confidential:
        return user.unit_id is not None and user.unit_id == complaint.unit_id
    return can_see(user, complaint)


def assignable_officers(complaint: Complaint) -> list[User]:
    """Active staff of the complaint's unit, for the assign action."""
    if complaint.unit_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(User.unit_id == complaint.unit_id, User.active.is_(True))
            .order_by(User.name, User.email)
        )
    )
