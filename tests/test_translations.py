"""Indonesian is the default language: every text the code can show must be translated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parent.parent / "translations/id/LC_MESSAGES/messages.po"


def test_every_message_has_an_indonesian_translation() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    missing = [message.id for message in catalog if message.id and not message.string]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert not missing, f"untranslated: {missing[:5]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:5]}"


def test_the_catalog_holds_every_text_in_the_code() -> None:
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = CATALOG.parents[3]
    with (root / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
    in_code = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, keywords=keywords
    ):
        in_code.add(message[0] if isinstance(message, tuple) else message)
    with CATALOG.open("rb") as handle:
        in_catalog = {message.id for message in read_po(handle) if message.id}
    catalog_ids = {i[0] if isinstance(i, tuple) else i for i in in_catalog}
    missing = sorted(in_code - catalog_ids)
    assert not missing, f"not in the catalog (run pybabel extract + update): {missing[:5]}"
