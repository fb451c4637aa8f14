"""The editor's dashboard on the admin home: panels that apps add, drawn in the page as SVG.

An app adds a panel with `@dashboard_panel` (from its AppConfig.ready(), as alarms do); the
function gets the request and returns the panels that user may see, or []. It reads a bounded
number of rows (a few grouped queries, never one per story), since the admin home is opened
often. Charts are drawn on the server, as SVG in the page: no script, no outside service, and
each one's numbers are also in a table for screen readers and for copying.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.formats import date_format

_panels: list[Callable[[HttpRequest], list[Panel]]] = []


@dataclass
class Series:
    name: str
    values: list[int]


@dataclass
class Chart:
    """Bars: one group per label, one bar per series (at most three, told apart by colour)."""

    title: str
    labels: list[str]
    series: list[Series]
    horizontal: bool = False  # names down the side (sources) rather than days along the bottom

    @property
    def total(self) -> int:
        return sum(sum(s.values) for s in self.series)


@dataclass
class Fact:
    label: str
    value: str
    url: str = ""


@dataclass
class Panel:
    title: str
    charts: list[Chart] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    # A short table: (headers, rows of cells), each cell a (text, url) pair; url may be "".
    table: tuple[list[str], list[list]] | None = None
    empty: str = ""  # said when the table has no rows


def dashboard_panel(func: Callable[[HttpRequest], list[Panel]]):
    if func not in _panels:
        _panels.append(func)
    return func


def panels_for(request: HttpRequest) -> list[Panel]:
    user = getattr(request, "user", None)
    if not (user and user.is_active and user.is_staff):
        return []
    return [panel for func in _panels for panel in func(request)]


# Days in the newsroom's time zone --------------------------------------------------------------


def last_days(count: int) -> list[date]:
    """The last `count` days in the newsroom's time zone, oldest first, today last."""
    today = timezone.localdate()
    return [today - timedelta(days=n) for n in range(count - 1, -1, -1)]


def next_days(count: int) -> list[date]:
    today = timezone.localdate()
    return [today + timedelta(days=n) for n in range(count)]


def day_start(day: date) -> datetime:
    """Midnight of `day` in the newsroom's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def counts_per_day(queryset, column: str, days: list[date]) -> list[int]:
    """How many rows of `queryset` fall on each of `days` by `column` (a time), one grouped
    query. TruncDate cuts in the newsroom's time zone on SQLite and PostgreSQL alike."""
    rows = (
        queryset.filter(**{f"{column}__gte": day_start(days[0])})
        .filter(**{f"{column}__lt": day_start(days[-1]) + timedelta(days=1)})
        .annotate(day=TruncDate(column))
        .order_by()  # a model's default ordering would join the GROUP BY
        .values("day")
        .annotate(n=Count("pk"))
    )
    found = {row["day"]: row["n"] for row in rows}
    return [found.get(day, 0) for day in days]


def day_labels(days: list[date]) -> list[str]:
    return [date_format(day, "M j") for day in days]


# Drawing ----------------------------------------------------------------------------------------

WIDTH, HEIGHT = 640, 200
_LEFT, _BOTTOM, _TOP = 40, 26, 12
# Room after the last bar for today's label, centred under it: "ديسمبر 3" is wider than "Dec 3".
_RIGHT = 20
_ROW = 28  # horizontal charts: one row per label


def _anchored(texts: list[dict]) -> list[dict]:
    """SVG's start and end follow the page's direction: on a right-to-left page (the editor's
    language) "end" is the left side. The drawing is laid out left to right, so they swap there."""
    if translation.get_language_bidi():
        swap = {"start": "end", "end": "start"}
        for text in texts:
            text["anchor"] = swap.get(text["anchor"], text["anchor"])
    return texts


def chart_drawing(chart: Chart) -> dict:
    """What the template draws: rectangles and texts in SVG user units, and the view box."""
    if chart.horizontal:
        return _horizontal(chart)
    top = max([v for s in chart.series for v in s.values] or [0]) or 1
    group = (WIDTH - _LEFT - _RIGHT) / max(len(chart.labels), 1)
    bar = group * 0.8 / max(len(chart.series), 1)
    plot = HEIGHT - _BOTTOM - _TOP
    rects, texts = [], []
    step = max(1, round(len(chart.labels) / 5))  # at most about five labels along the bottom
    for i, label in enumerate(chart.labels):
        x0 = _LEFT + i * group + group * 0.1
        for k, series in enumerate(chart.series):
            value = series.values[i]
            height = plot * value / top
            rects.append(
                {
                    "x": round(x0 + k * bar, 1),
                    "y": round(_TOP + plot - height, 1),
                    "width": round(bar * 0.92, 1),
                    "height": round(height, 1),
                    "series": k,
                    "title": f"{label}: {value} {series.name}",
                }
            )
        if (len(chart.labels) - 1 - i) % step == 0:  # counted back from today, which is shown
            texts.append(
                {
                    "x": round(x0 + group * 0.4, 1),
                    "y": HEIGHT - 6,
                    "anchor": "middle",
                    "text": label,
                }
            )
    texts += [
        {"x": _LEFT - 4, "y": _TOP + 12, "anchor": "end", "text": str(top)},
        {"x": _LEFT - 4, "y": _TOP + plot, "anchor": "end", "text": "0"},
    ]
    axis = {"x1": _LEFT, "y1": _TOP + plot, "x2": WIDTH, "y2": _TOP + plot}
    return {
        "viewbox": f"0 0 {WIDTH} {HEIGHT}",
        "rects": rects,
        "texts": _anchored(texts),
        "axis": axis,
    }


def _horizontal(chart: Chart) -> dict:
    names = 230  # room for the names on the left
    height = _ROW * max(len(chart.labels), 1) + 8
    top = max([v for s in chart.series for v in s.values] or [0]) or 1
    room = WIDTH - names - 50
    rects, texts = [], []
    for i, label in enumerate(chart.labels):
        y = 4 + i * _ROW
        for series in chart.series[:1]:
            value = series.values[i]
            rects.append(
                {
                    "x": names,
                    "y": y + 3,
                    "width": round(room * value / top, 1),
                    "height": _ROW - 6,
                    "series": 0,
                    "title": f"{label}: {value} {series.name}",
                }
            )
            texts.append(
                {
                    "x": names + round(room * value / top, 1) + 4,
                    "y": y + _ROW - 8,
                    "anchor": "start",
                    "text": str(value),
                }
            )
        short = label if len(label) <= 24 else label[:23] + "…"
        texts.append({"x": names - 6, "y": y + _ROW - 8, "anchor": "end", "text": short})
    axis = {"x1": names, "y1": 2, "x2": names, "y2": height - 2}
    return {
        "viewbox": f"0 0 {WIDTH} {height}",
        "rects": rects,
        "texts": _anchored(texts),
        "axis": axis,
    }
