"""GSM-7 versus UCS-2 segment counting and fitting replies into a budget (pure functions)."""

from __future__ import annotations

import pytest

from channels.sms.segments import Encoding, count_segments, fit, is_gsm7, sms_safe


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", Encoding.GSM7, 0, 1),
        ("Aduan diterima.", Encoding.GSM7, 15, 1),
        ("a" * 160, Encoding.GSM7, 160, 1),
        ("a" * 161, Encoding.GSM7, 161, 2),
        ("a" * 306, Encoding.GSM7, 306, 2),
        ("a" * 307, Encoding.GSM7, 307, 3),
        # Extension characters take two septets.
        ("€" * 80, Encoding.GSM7, 160, 1),
        ("[x]" + "a" * 157, Encoding.GSM7, 162, 2),
        # One character outside GSM-7 turns the whole text into UCS-2.
        ("a" * 69 + "\u2014", Encoding.UCS2, 70, 1),
        ("a" * 70 + "\u201c", Encoding.UCS2, 71, 2),
        ("a" * 134, Encoding.GSM7, 134, 1),
        ("é" * 10 + "ê", Encoding.UCS2, 11, 1),
        # Emoji are surrogate pairs: two UTF-16 units.
        ("\U0001f600" * 35, Encoding.UCS2, 70, 1),
        ("\U0001f600" * 36, Encoding.UCS2, 72, 2),
    ],
)
def test_it_counts_encoding_units_and_segments(
    text: str, encoding: Encoding, units: int, segments: int
) -> None:
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_an_extension_character_never_straddles_two_segments() -> None:
    # 152 septets then "€" (2): it cannot use the last septet of segment one.
    text = "a" * 152 + "€" + "b" * 152
    assert count_segments(text).units == 306
    assert count_segments(text).segments == 3


def test_a_surrogate_pair_never_straddles_two_segments() -> None:
    text = "\u2014" + "a" * 65 + "\U0001f600" + "b" * 66
    assert count_segments(text).units == 134
    assert count_segments(text).segments == 3


def test_indonesian_text_and_tracking_codes_are_gsm7() -> None:
    assert is_gsm7("Aduan diterima. Kode: ADU-7K3Q-9M2X. Untuk cek, kirim CEK ADU-7K3Q-9M2X")


def test_typographic_characters_become_their_gsm7_look_alikes() -> None:
    text = "\u201cJalan\u201d \u2018rusak\u2019 \u2014 sejak 2 minggu\u2026 [\u2026]\u00a0ok"
    safe = sms_safe(text)
    assert safe == "\"Jalan\" 'rusak' - sejak 2 minggu... [...] ok"
    assert is_gsm7(safe)


def test_a_text_that_fits_is_left_alone() -> None:
    assert fit("Status: Selesai.", 1) == "Status: Selesai."


@pytest.mark.parametrize("max_segments", [1, 2, 3])
def test_a_long_text_is_cut_at_a_word_to_fit(max_segments: int) -> None:
    text = "kata " * 200
    result = fit(text, max_segments)
    assert count_segments(result).segments <= max_segments
    assert result.endswith("...")
    assert result.removesuffix("...").split()[-1] == "kata"
    assert len(result) > (150 if max_segments == 1 else 140 * max_segments)


def test_a_ucs2_text_is_cut_to_ucs2_capacity() -> None:
    result = fit("\u00ea" * 200, 2)
    assert count_segments(result).encoding == Encoding.UCS2
    assert count_segments(result).segments == 2
    assert len(result) == 2 * 67


def test_extension_characters_at_the_boundary_still_fit() -> None:
    result = fit("€" * 400, 2)
    assert count_segments(result).segments <= 2


def test_fit_refuses_a_zero_budget() -> None:
    with pytest.raises(ValueError):
        fit("a", 0)


@pytest.mark.parametrize("locale", ["id", "en"])
def test_every_fixed_reply_is_one_gsm7_segment_in_both_languages(locale: str) -> None:
    """A guard for the catalogs: a translation with an em dash or too many words fails here."""
    from channels.sms import replies
    from complaints import create_app
    from tests.conftest import _test_config

    code = "ADU-7K3Q-9M2X"
    with create_app(_test_config("sqlite://")).app_context():
        texts = [
            replies.help_text(locale),
            replies.received(code, locale),
            replies.ask_details(locale),
            replies.status_usage(locale),
            replies.unknown_code(locale),
            replies.rate_limited(locale),
            replies.not_filed(locale),
            replies.resolution_confirmed(code, locale),
            replies.resolution_reopened(code, locale),
            replies.reopen_needs_reason(code, locale),
            replies.not_awaiting_confirmation(code, locale),
            replies.already_closed(code, locale),
        ]
    for text in texts:
        assert is_gsm7(text), text
        assert count_segments(text).segments == 1, text
