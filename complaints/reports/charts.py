"""Server-rendered SVG charts: geometry computed here, drawn by the ``svg_chart`` macro
(templates/reports/macros.html).

No JavaScript and no chart library: each chart is a list of labelled bars in
a fixed view box, so it prints as crisply as it shows, and every chart has a
table with the same numbers beside it for screen readers. Names are never
cut: a long unit name wraps onto more lines. Dates read as everywhere else
("29 Des"), channels in words. The public page's charts (:func:`monthly`,
:func:`unit_totals`) are drawn for a phone: a 320-wide view box, each unit's
name on its own line above its bars.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext

from complaints.i18n import local_date
from complaints.labels import channel_label

# Colour per channel; colour-blind-safe (Okabe–Ito) with a legend beside each chart.
CHANNEL_COLOURS = {
    "web": "#0072B2",
    "telegram": "#56B4E9",
    "sms": "#009E73",
    "whatsapp": "#F0E442",
    "api": "#999999",
    "open311": "#CC79A7",
    "counter": "#E69F00",
    "lapor": "#D55E00",
}
WIDTH = 720
LABEL_WIDTH = 220
PHONE_WIDTH = 320  # drawn 320 wide, shown ~330 px wide on a phone: 11-px text stays 11 px
LINE_HEIGHT = 12.0
# Characters of an 11-px label that fit the label column (dashboard) or a phone's width.
LABEL_CHARACTERS = 34
PHONE_CHARACTERS = 46
RECEIVED_COLOUR, COMPLETED_COLOUR = "#0072B2", "#009E73"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass
class Chart:
    title: str
    height: float
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    width: float = WIDTH


def weekly_volume(weeks: Sequence[Mapping[str, Any]]) -> Chart:
    """Stacked columns: complaints received per week, coloured by channel."""
    height, top, bottom = 240.0, 10.0, 30.0
    chart = Chart(gettext("Complaints received per week, by channel"), height)
    peak = max((week["total"] for week in weeks), default=0) or 1
    slot = (WIDTH - 40) / max(len(weeks), 1)
    scale = (height - top - bottom) / peak
    used: set[str] = set()
    for index, week in enumerate(weeks):
        x = 40 + index * slot
        y = height - bottom
        monday = date.fromisoformat(week["week"])
        for channel, colour in CHANNEL_COLOURS.items():
            count = week["channels"].get(channel, 0)
            if not count:
                continue
            used.add(channel)
            y -= count * scale
            title = gettext(
                "Week of %(day)s: %(channel)s %(count)d",
                day=local_date(monday),
                channel=channel_label(channel),
                count=count,
            )
            chart.bars.append(Bar(x, y, max(slot - 2, 1), count * scale, colour, title))
        if index % max(len(weeks) // 6, 1) == 0:
            chart.labels.append(Label(x, height - bottom + 16, local_date(monday, "d MMM")))
    chart.labels.append(Label(36, top + 10, str(peak), "end"))
    chart.labels.append(Label(36, height - bottom, "0", "end"))
    chart.legend = [
        (channel_label(channel), CHANNEL_COLOURS[channel])
        for channel in CHANNEL_COLOURS
        if channel in used
    ]
    return chart


def _horizontal(
    title: str, rows: Sequence[tuple[str, Sequence[tuple[float | None, str, str]]]], maximum: float
) -> Chart:
    """One group of horizontal bars per row: (label, [(value, colour, caption)]).

    A label longer than the label column wraps onto more lines (never cut), and
    its group grows to hold them.
    """
    bar_height, gap = 12.0, 10.0
    chart = Chart(title, 0)
    span = WIDTH - LABEL_WIDTH - 70
    y = 5.0
    for label, series in rows:
        lines = wrapped(label, LABEL_CHARACTERS)
        for number, line in enumerate(lines):
            chart.labels.append(
                Label(LABEL_WIDTH - 6, y + bar_height + number * LINE_HEIGHT, line, "end")
            )
        for offset, (value, colour, caption) in enumerate(series):
            bar_y = y + offset * bar_height
            if value is None:
                chart.labels.append(Label(LABEL_WIDTH + 4, bar_y + 10, gettext("too few")))
                continue
            width = span * max(value, 0) / maximum if maximum else 0
            chart.bars.append(
                Bar(LABEL_WIDTH, bar_y, width, bar_height - 2, colour, f"{label}: {caption}")
            )
            chart.labels.append(Label(LABEL_WIDTH + width + 4, bar_y + 10, caption))
        y += max(len(series) * bar_height, len(lines) * LINE_HEIGHT + 2) + gap
    chart.height = max(y, 20) + 5
    return chart


def wrapped(text: str, characters: int) -> list[str]:
    """A label on as many lines as it needs; words are never cut."""
    return textwrap.wrap(text, characters, break_long_words=False) or [""]


def unit_rates(units: Sequence[Mapping[str, Any]]) -> Chart:
    """Completion and on-time rates per unit (hidden below the minimum count)."""
    rows = []
    for unit in units:
        hidden = unit["low_count"]
        completion = None if hidden else unit["completion_rate"]
        on_time = None if hidden else unit["on_time_rate"]
        rows.append(
            (
                unit["unit_name"] or gettext("No unit"),
                [
                    (_percent(completion), RECEIVED_COLOUR, _caption(completion)),
                    (_percent(on_time), COMPLETED_COLOUR, _caption(on_time)),
                ],
            )
        )
    chart = _horizontal(gettext("Completion and on-time rates per unit"), rows, 100)
    chart.legend = [
        (gettext("completed"), RECEIVED_COLOUR),
        (gettext("completed on time"), COMPLETED_COLOUR),
    ]
    return chart


def backlog(buckets: Mapping[str, int], names: Mapping[str, str]) -> Chart:
    """Complaints still open at the end of the period, by age in working days."""
    peak = max(buckets.values(), default=0) or 1
    rows = [(names[key], [(float(count), "#D55E00", str(count))]) for key, count in buckets.items()]
    return _horizontal(gettext("Backlog by age (working days)"), rows, peak)


def ikm_per_unit(units: Sequence[Mapping[str, Any]]) -> Chart:
    """The IKM (25–100) per unit with its grade and respondents."""
    rows = []
    for unit in units:
        ikm = unit["ikm"]
        value = ikm["value"] if ikm["respondents"] else None
        caption = f"{value:.2f} ({ikm['grade']}, n={ikm['respondents']})" if value else ""
        rows.append((unit["unit_name"] or gettext("No unit"), [(value, "#CC79A7", caption)]))
    return _horizontal(gettext("Satisfaction index (IKM) per unit"), rows, 100)


def _percent(share: float | None) -> float | None:
    return share * 100 if share is not None else None


def _caption(share: float | None) -> str:
    return f"{share * 100:.1f} %" if share is not None else ""


# --- the public page (/stats), drawn for a phone ------------------------------------------


def monthly(months: Sequence[Mapping[str, Any]]) -> Chart:
    """Complaints received and completed per month: two columns a month, phone-wide.

    ``months``: ``{"month": date (its first day), "received", "completed"}``.
    """
    height, top, bottom, left = 200.0, 14.0, 22.0, 30.0
    chart = Chart(gettext("Complaints received and completed per month"), height, width=PHONE_WIDTH)
    peak = max((month["received"] for month in months), default=0) or 1
    slot = (PHONE_WIDTH - left - 4) / max(len(months), 1)
    bar = max(min(slot / 2 - 1, 16), 1)
    scale = (height - top - bottom) / peak
    series = _received_and_completed_series()
    for index, month in enumerate(months):
        x = left + index * slot + (slot - 2 * bar) / 2
        name = local_date(month["month"], "LLLL yyyy")
        for offset, (key, colour, word) in enumerate(series):
            count = int(month[key])
            chart.bars.append(
                Bar(
                    x + offset * bar,
                    height - bottom - count * scale,
                    bar,
                    count * scale,
                    colour,
                    f"{name}: {word} {count}",
                )
            )
        chart.labels.append(
            Label(
                left + index * slot + slot / 2,
                height - bottom + 14,
                local_date(month["month"], "LLL"),
                "middle",
            )
        )
    chart.labels.append(Label(left - 4, top + 4, str(peak), "end"))
    chart.labels.append(Label(left - 4, height - bottom, "0", "end"))
    chart.legend = _received_and_completed()
    return chart


def unit_totals(units: Sequence[Mapping[str, Any]]) -> Chart:
    """Complaints received and completed per unit: the full name above each unit's bars."""
    bar_height, gap, left = 12.0, 10.0, 2.0
    chart = Chart(gettext("Complaints received and completed per unit"), 0, width=PHONE_WIDTH)
    peak = max((unit["received"] for unit in units), default=0) or 1
    span = PHONE_WIDTH - left - 40
    series = _received_and_completed_series()
    y = 2.0
    for unit in units:
        name = unit["unit_name"] or gettext("No unit")
        for line in wrapped(name, PHONE_CHARACTERS):
            y += LINE_HEIGHT
            chart.labels.append(Label(left, y, line))
        y += 4
        for key, colour, word in series:
            count = int(unit[key])
            width = span * count / peak
            chart.bars.append(
                Bar(left, y, width, bar_height - 2, colour, f"{name}: {word} {count}")
            )
            chart.labels.append(Label(left + width + 4, y + 9, str(count)))
            y += bar_height
        y += gap
    chart.height = max(y, 20)
    chart.legend = _received_and_completed()
    return chart


def _received_and_completed_series() -> tuple[tuple[str, str, str], ...]:
    """(key of the figures, colour, word in a bar's title) of the public page's two series."""
    return (
        ("received", RECEIVED_COLOUR, gettext("received")),
        ("completed", COMPLETED_COLOUR, gettext("completed")),
    )


def _received_and_completed() -> list[tuple[str, str]]:
    # Capitalised: a legend's lone word, not the status code "received".
    return [(gettext("Received"), RECEIVED_COLOUR), (gettext("Completed"), COMPLETED_COLOUR)]
