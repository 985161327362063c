"""Units by name: the other names a unit goes by, and creating units from the CLI.

SP4N-LAPOR! and people name a unit in their own words ("Dinas Pekerjaan Umum
Dan Tata Ruang Kab. Bone Bolango", "Dinas PUPR"). A unit is found by its name
or by one of its aliases (``unit_aliases``), compared in a normal form:
lower case, every run of spaces and punctuation one space, "Kab." read as
"Kabupaten". A name that ends with the regency's own name
(``REGENCY_NAME``) is also found without it, so "Dinas Kesehatan Kab. Bone
Bolango" is the unit called "Dinas Kesehatan".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from .errors import ValidationFailed
from .extensions import db
from .models import Unit, UnitAlias

logger = logging.getLogger(__name__)

MAX_CODE = 32
MAX_NAME = 200
MAX_ALIAS = 300
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# Words a derived code leaves out: they are in every other unit's name.
_FILLER_WORDS = frozenset({"dan", "serta", "di", "ke", "pada", "the", "of", "and"})
_SEPARATORS = re.compile(r"[\W_]+")
# Read alike wherever they appear in a unit's name.
_SAME_WORD = {"kab": "kabupaten", "kec": "kecamatan", "kel": "kelurahan"}


def normalize_name(text: str) -> str:
    """The lookup form of a unit's name: ``Kab. Bone-Bolango`` → ``kabupaten bone bolango``."""
    words = _SEPARATORS.split(text.casefold())
    return " ".join(_SAME_WORD.get(word, word) for word in words if word)


def _regency_suffixes() -> tuple[str, ...]:
    """The endings a unit's name may carry: "kabupaten bone bolango" and "bone bolango"."""
    regency = normalize_name(current_app.config.get("REGENCY_NAME") or "")
    bare = regency.removeprefix("kabupaten ").removeprefix("kota ")
    return tuple(dict.fromkeys(suffix for suffix in (regency, bare) if suffix))


def _without_regency(normal: str, suffixes: tuple[str, ...]) -> str | None:
    for suffix in suffixes:
        if normal.endswith(" " + suffix):
            return normal.removesuffix(" " + suffix)
    return None


@dataclass
class UnitNames:
    """Every unit's names and aliases in lookup form, read once (an import's cache)."""

    by_name: dict[str, int]
    suffixes: tuple[str, ...]

    @classmethod
    def load(cls) -> UnitNames:
        suffixes = _regency_suffixes()
        exact: dict[str, int] = {}
        loose: dict[str, int] = {}
        for unit_id, name in db.session.execute(select(Unit.id, Unit.name).order_by(Unit.id)):
            normal = normalize_name(name)
            exact.setdefault(normal, unit_id)
            bare = _without_regency(normal, suffixes)
            if bare:
                loose.setdefault(bare, unit_id)
        for unit_id, normal in db.session.execute(select(UnitAlias.unit_id, UnitAlias.normalized)):
            exact.setdefault(normal, unit_id)
        # A name as written wins over one read without the regency's name.
        return cls({**loose, **exact}, suffixes)

    def find(self, text: str) -> int | None:
        """The id of the unit called ``text`` (by name or alias), or None."""
        normal = normalize_name(text)
        if not normal:
            return None
        found = self.by_name.get(normal)
        if found is None:
            bare = _without_regency(normal, self.suffixes)
            found = self.by_name.get(bare) if bare else None
        return found

    def add(self, unit_id: int, name: str) -> None:
        normal = normalize_name(name)
        self.by_name.setdefault(normal, unit_id)
        bare = _without_regency(normal, self.suffixes)
        if bare:
            self.by_name.setdefault(bare, unit_id)


def without_regency(name: str) -> str:
    """A unit's name less a trailing regency name: "Dinas X Kab. Bone Bolango" → "Dinas X"."""
    normal = normalize_name(name)
    bare = _without_regency(normal, _regency_suffixes())
    words = name.split()
    # Cut by words only where they line up with the normal form's ("Kab.Bone" does not).
    if bare is None or len(words) != len(normal.split()):
        return name
    return " ".join(words[: len(bare.split())]).rstrip(" ,-(") or name


def derive_code(name: str, taken: Iterable[str]) -> str:
    """A new unit's code from its name, unique among ``taken`` (compared upper-case).

    The initials of its words ("Dinas Pekerjaan Umum Dan Tata Ruang" → DPUTR),
    keeping acronyms whole ("RSUD Toto Kabila" → RSUDTK); a name of one or two
    words gives three letters of each ("Dinas Kesehatan" → DINKES). The regency's
    name is left out; a code already taken gets -2, -3….
    """
    normal = normalize_name(name)
    normal = _without_regency(normal, _regency_suffixes()) or normal
    original = {word.casefold(): word for word in _SEPARATORS.split(name) if word}
    words = [word for word in normal.split() if word not in _FILLER_WORDS] or ["UNIT"]
    if len(words) <= 2:
        stem = "".join(word[:3] for word in words)
    else:
        stem = "".join(
            word if original.get(word, "").isupper() and len(word) > 1 else word[0]
            for word in words
        )
    stem = re.sub(r"[^A-Z0-9]", "", stem.upper())[:20] or "UNIT"
    used = {code.upper() for code in taken}
    code, number = stem, 1
    while code in used:
        number += 1
        code = f"{stem}-{number}"
    return code


def _checked_aliases(unit: Unit | None, texts: Iterable[str]) -> dict[str, str]:
    """Normal form -> alias as written, for the aliases of ``unit`` (None: a new unit).

    Refuses an alias another unit already has, or that is another unit's name.
    """
    wanted: dict[str, str] = {}
    for text in texts:
        alias = " ".join(text.split())
        if not alias:
            continue
        if len(alias) > MAX_ALIAS:
            raise ValidationFailed(
                {"aliases": gettext("An alias has at most %(count)d characters.", count=MAX_ALIAS)}
            )
        wanted.setdefault(normalize_name(alias) or alias.casefold(), alias)
    own_id = unit.id if unit is not None else None
    other_names = {
        normalize_name(other_name): other_name
        for other_id, other_name in db.session.execute(select(Unit.id, Unit.name))
        if other_id != own_id
    }
    for normal, alias in wanted.items():
        holder = db.session.scalar(select(UnitAlias).where(UnitAlias.normalized == normal))
        if holder is not None and holder.unit_id != own_id:
            raise ValidationFailed(
                {
                    "aliases": gettext(
                        "“%(alias)s” is already a name of %(unit)s.",
                        alias=alias,
                        unit=holder.unit.name,
                    )
                }
            )
        if normal in other_names:
            raise ValidationFailed(
                {
                    "aliases": gettext(
                        "“%(alias)s” is already a name of %(unit)s.",
                        alias=alias,
                        unit=other_names[normal],
                    )
                }
            )
    return wanted


def aliases_of(unit: Unit) -> list[str]:
    """The unit's aliases as written, in the order they were given."""
    if unit.id is None:
        return []
    return list(
        db.session.scalars(
            select(UnitAlias.alias).where(UnitAlias.unit_id == unit.id).order_by(UnitAlias.id)
        )
    )


def replace_aliases(unit: Unit, texts: Iterable[str]) -> None:
    """Make ``texts`` (blank ones ignored) the aliases of ``unit``; not committed.

    Raises ValidationFailed, naming the other unit, when one is another unit's
    name or alias. ``unit`` must have been flushed (it needs its id).
    """
    wanted = _checked_aliases(unit, texts)
    current = {
        alias.normalized: alias
        for alias in db.session.scalars(select(UnitAlias).where(UnitAlias.unit_id == unit.id))
    }
    for normal, alias in current.items():
        if normal not in wanted:
            db.session.delete(alias)
    db.session.flush()  # a removed alias frees its normal form for an added one
    for normal, text in wanted.items():
        if normal in current:
            current[normal].alias = text
        else:
            db.session.add(UnitAlias(unit_id=unit.id, alias=text, normalized=normal))


def create_unit(code: str, name: str, aliases: Iterable[str] = ()) -> Unit:
    """A new active unit with its aliases, flushed, not committed; ValidationFailed on bad input."""
    code, name = code.strip(), " ".join(name.split())
    errors: dict[str, str] = {}
    if not CODE_PATTERN.match(code) or len(code) > MAX_CODE:
        errors["code"] = gettext(
            "A code has at most %(count)d letters, digits, - and _.", count=MAX_CODE
        )
    elif db.session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        errors["code"] = gettext("A unit with the code %(code)s already exists.", code=code)
    if not name or len(name) > MAX_NAME:
        errors["name"] = gettext("Give a name of at most %(count)d characters.", count=MAX_NAME)
    if errors:
        raise ValidationFailed(errors)
    checked = _checked_aliases(None, aliases)
    unit = Unit(code=code, name=name, active=True, is_regency_level=False, is_front_office=False)
    db.session.add(unit)
    db.session.flush()
    for normal, alias in checked.items():
        db.session.add(UnitAlias(unit_id=unit.id, alias=alias, normalized=normal))
    db.session.flush()
    logger.info("unit %s created", code)
    return unit


def listing() -> list[dict[str, object]]:
    """Every unit for ``flask units list``: code, name, aliases, active; by code."""
    units = db.session.scalars(select(Unit).order_by(Unit.code)).all()
    aliases: dict[int, list[str]] = {}
    for unit_id, alias in db.session.execute(
        select(UnitAlias.unit_id, UnitAlias.alias).order_by(UnitAlias.id)
    ):
        aliases.setdefault(unit_id, []).append(alias)
    return [
        {
            "code": unit.code,
            "name": unit.name,
            "aliases": aliases.get(unit.id, []),
            "active": unit.active,
        }
        for unit in units
    ]
