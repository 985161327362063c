"""Server-rendered SVG charts: geometry computed here, drawn by templates/reports/charts.html.

No JavaScript and no chart library: each chart is a list of labelled bars in
a fixed view box, so it prints as crisply as it shows, and every chart has a
table with the same numbers beside it for screen readers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

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
        for channel, colour in CHANNEL_COLOURS.items():
            count = week["channels"].get(channel, 0)
            if not count:
                continue
            used.add(channel)
            y -= count * scale
            chart.bars.append(
                Bar(
                    x,
                    y,
                    max(slot - 2, 1),
                    count * scale,
                    colour,
                    f"{week['week']}: {channel} {count}",
                )
            )
        if index % max(len(weeks) // 6, 1) == 0:
            chart.labels.append(Label(x, height - bottom + 16, week["week"][5:]))
    chart.labels.append(Label(36, top + 10, str(peak), "end"))
    chart.labels.append(Label(36, height - bottom, "0", "end"))
    chart.legend = [
        (channel, CHANNEL_COLOURS[channel]) for channel in CHANNEL_COLOURS if channel in used
    ]
    return chart


def _horizontal(
    title: str, rows: Sequence[tuple[str, Sequence[tuple[float | None, str, str]]]], maximum: float
) -> Chart:
    """One group of horizontal bars per row: (label, [(value, colour, caption)])."""
    bar_height, gap = 12.0, 10.0
    group = max((len(series) for _label, series in rows), default=1) * bar_height + gap
    chart = Chart(title, max(len(rows), 1) * group + 10)
    span = WIDTH - LABEL_WIDTH - 70
    for index, (label, series) in enumerate(rows):
        y = 5 + index * group
        chart.labels.append(Label(LABEL_WIDTH - 6, y + bar_height, label[:34], "end"))
        for offset, (value, colour, caption) in enumerate(series):
            bar_y = y + offset * bar_height
            if value is None:
                chart.labels.append(Label(LABEL_WIDTH + 4, bar_y + 10, gettext("too few")))
                continue
            width = span * max(value, 0) / maximum if maximum else 0
            chart.bars.append(Bar(LABEL_WIDTH, bar_y, width, bar_height - 2, colour, caption))
            chart.labels.append(Label(LABEL_WIDTH + width + 4, bar_y + 10, caption))
    return chart


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
                    (_percent(completion), "#0072B2", _caption(completion)),
                    (_percent(on_time), "#009E73", _caption(on_time)),
                ],
            )
        )
    chart = _horizontal(gettext("Completion and on-time rates per unit"), rows, 100)
    chart.legend = [(gettext("completed"), "#0072B2"), (gettext("completed on time"), "#009E73")]
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
