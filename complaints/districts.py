"""The regency's kecamatan (districts) and their desa/kelurahan (villages), from a data file.

``complaints/data/wilayah_bone_bolango.json`` holds the official list and
names its source. Citizens say where a problem is by choosing from it, in
the words they use; intake checks a choice here, so a complaint stores only
a place that is on the list, spelled as the list spells it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "wilayah_bone_bolango.json"


@dataclass(frozen=True)
class Kecamatan:
    name: str
    villages: tuple[str, ...]  # its desa and kelurahan, sorted by name


def _key(name: str) -> str:
    """Case and spacing do not make another place: " suwawa  TENGAH" is Suwawa Tengah."""
    return " ".join(name.split()).casefold()


@functools.cache
def all_kecamatan() -> tuple[Kecamatan, ...]:
    """Every kecamatan of the regency, sorted by name."""
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(
        Kecamatan(entry["name"], tuple(sorted([*entry["desa"], *entry["kelurahan"]])))
        for entry in sorted(document["kecamatan"], key=lambda entry: entry["name"])
    )


@functools.cache
def _by_key() -> dict[str, Kecamatan]:
    return {_key(kecamatan.name): kecamatan for kecamatan in all_kecamatan()}


def kecamatan_named(name: str) -> Kecamatan | None:
    """The kecamatan of that name (any case), or None when the regency has none."""
    return _by_key().get(_key(name))


def village_in(kecamatan: Kecamatan, name: str) -> str | None:
    """The desa or kelurahan of that name in ``kecamatan``, spelled as the list spells it."""
    wanted = _key(name)
    return next((village for village in kecamatan.villages if _key(village) == wanted), None)


def kecamatan_with_village(name: str) -> list[Kecamatan]:
    """The kecamatan that have a desa or kelurahan of that name (a few names recur)."""
    return [kecamatan for kecamatan in all_kecamatan() if village_in(kecamatan, name)]
