"""The record's charts, drawn as inline SVG from the computed figures.

Inline SVG needs no image files, so the PDF renderer fetches nothing to draw them, and the HTML
record is one self-contained file. Geometry lives here; colours and type live in the template
folder's `chart.css` (embedded in each SVG, since WeasyPrint styles an SVG from its own <style>);
wording arrives as arguments from the template, so the charts hold no record text of their own.
Every text node is escaped: rule ids and labels come from user-editable files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from riskcli.report.views import ContributionView, ExposureView, TornadoBarView, TornadoEndView

_WIDTH = 640
_SAMPLES = 160
_EXTRA_TICKS = (180, 730, 1095, 1825, 2555, 3650)
_MIN_TICK_GAP = 26.0
_Y_CEILINGS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4)
"""The scales of the enlarged inset: the first round share above the curve's high end."""
_INSET_TOP, _INSET_HEIGHT = 8.0, 0.46
"""The inset sits in the top half of the plot: a curve it enlarges stays below 40% of the full
scale, so the inset never covers the curve, its band or their labels."""
_INSET_LEFT, _INSET_WIDTH = 0.34, 0.62
"""Right of the reference day's label, which hangs from the top of the plot near day 7."""
_FACTOR_BARS = 24
"""The factor chart's bars at most: about a third of a page."""


@dataclass(frozen=True)
class _Frame:
    left: float
    top: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        return self.top + self.height

    @property
    def right(self) -> float:
        return self.left + self.width


class Charts:
    """Called from templates: `{{ charts.exposure_curve(x_title="…") }}`."""

    def __init__(self, exposure: ExposureView, contributions: list[ContributionView], style: str,
                 leak_curve: Callable[[float, float], float],
                 tornado: list[TornadoBarView] | None = None):
        self._exposure = exposure
        self._contributions = contributions
        self._tornado = tornado or []
        self._style = style
        self._leak_curve = leak_curve

    @property
    def exposure_zoom(self) -> str:
        """The top of the exposure chart's enlarged inset ('10%'), or '' when the curve is
        high enough to read on the full 0-100% scale and no inset is drawn; for the caption."""
        ceiling = self._exposure_ceiling()
        return "" if ceiling is None else _percent_tick(ceiling)

    def _exposure_ceiling(self) -> float | None:
        exposure = self._exposure
        x_max = float(max(exposure.horizon_days, 365))
        return _y_ceiling(self._leak_curve(exposure.rate_value, x_max),
                          self._leak_curve(exposure.rate_high, x_max))

    def exposure_curve(self, x_title: str = "", y_title: str = "", horizon_label: str = "",
                       reference_day: int | None = None, reference_label: str = "",
                       curve_label: str = "", interval_label: str = "",
                       inset_label: str = "") -> Markup:
        """P(leak by t) against days, on a square-root day axis so day 7 and day 365 both show.

        The y axis always runs from 0 to 100%: a 2% risk is a line along the floor, as it should
        read. When the curve's interval stays under 40%, an inset in the empty top half of the plot
        enlarges it to a round ceiling ('0-10%', `inset_label` before it), over the same days, so
        its shape shows without the full chart pretending the risk is steep.

        The shaded band runs between P(leak by t) at the low and the high end of the interval on
        the leak rate: every P(leak by t) rises with the rate, so at each day the band is that
        day's interval, not a drawing of it. The central curve is drawn over it. `curve_label`
        and `interval_label` make the legend above the plot; without them none is drawn.
        """
        exposure = self._exposure
        frame = _Frame(left=48, top=36, width=_WIDTH - 48 - 22, height=190)
        x_max = float(max(exposure.horizon_days, 365))

        def x_of(t: float) -> float:
            return frame.left + frame.width * math.sqrt(max(t, 0.0) / x_max)

        def y_of(p: float) -> float:
            return frame.bottom - frame.height * min(p, 1.0)

        parts = [_y_grid(frame, y_of, 1.0), _x_ticks(frame, x_of, exposure, x_max)]
        parts.extend(self._curve_and_band(x_of, y_of, x_max, ""))
        if reference_day is not None and reference_day <= x_max:
            parts.append(_reference(frame, x_of(reference_day),
                                    self._leak_curve(exposure.rate_value, reference_day),
                                    reference_label))
        parts.append(_horizon(frame, x_of(exposure.horizon_days), horizon_label, exposure))
        for point in exposure.points:
            # The horizon's own label already gives its figure; do not print it twice.
            label = "" if point.days == exposure.horizon_days else point.percent
            on_reference = point.days == reference_day and bool(reference_label)
            x = x_of(point.days)
            after_horizon = 0 < x - x_of(exposure.horizon_days) < 45
            before_horizon = 0 < x_of(exposure.horizon_days) - x < 40
            parts.append(_point(frame, x, y_of(point.p), label, on_reference, after_horizon,
                                before_horizon))
        parts.append(_point(frame, x_of(exposure.horizon_days), y_of(_horizon_p(exposure)), ""))
        ceiling = self._exposure_ceiling()
        if ceiling is not None:
            parts.append(self._inset(frame, x_max, ceiling, inset_label))
        parts.append(_axis_titles(frame, x_title, y_title))
        parts.append(_legend(frame, curve_label, interval_label))
        height = frame.bottom + 40
        return self._svg("exposure-chart", height, parts)

    def _curve_and_band(self, x_of: Callable[[float], float], y_of: Callable[[float], float],
                        x_max: float, prefix: str) -> list[str]:
        """The interval's band and the central curve over it; `prefix` names the inset's copies
        apart ('inset-'), so the main chart keeps one band and one curve."""
        exposure = self._exposure

        def curve_at(rate: float) -> list[tuple[float, float]]:
            return [(x_of(t), y_of(self._leak_curve(rate, t)))
                    for t in (x_max * (i / _SAMPLES) ** 2 for i in range(_SAMPLES + 1))]

        upper, lower = curve_at(exposure.rate_high), curve_at(exposure.rate_low)
        band = " ".join(f"{x:.2f},{y:.2f}" for x, y in [*upper, *reversed(lower)])
        line = " ".join(f"{x:.2f},{y:.2f}" for x, y in curve_at(exposure.rate_value))
        # fill-opacity as an attribute too: a template folder whose chart.css predates the band
        # still draws it as a light shade, not a black block.
        return [f'<polygon class="{prefix}interval-band" fill-opacity="0.2" points="{band}"/>',
                f'<polyline class="{prefix}curve" fill="none" points="{line}"/>']

    def _inset(self, frame: _Frame, x_max: float, ceiling: float, label: str) -> str:
        """The curve enlarged to 0-`ceiling` in a framed box, over the same days (square-root
        scale, the horizon dashed); its own y ticks at 0, half and the ceiling."""
        exposure = self._exposure
        box = _Frame(left=frame.left + frame.width * _INSET_LEFT, top=frame.top + _INSET_TOP,
                     width=frame.width * _INSET_WIDTH, height=frame.height * _INSET_HEIGHT)
        plot = _Frame(left=box.left + 4, top=box.top + 16, width=box.width - 8,
                      height=box.height - 20)

        def x_of(t: float) -> float:
            return plot.left + plot.width * math.sqrt(max(t, 0.0) / x_max)

        def y_of(p: float) -> float:
            return plot.bottom - plot.height * min(p / ceiling, 1.0)

        out = [f'<rect class="inset" fill="#ffffff" stroke="#9aa4ae" x="{box.left:.2f}" '
               f'y="{box.top:.2f}" width="{box.width:.2f}" height="{box.height:.2f}"/>']
        for share in (0.0, ceiling / 2, ceiling):
            out += _y_tick(plot, y_of(share), share, box.left - 4, "tick inset-tick")
        out.extend(self._curve_and_band(x_of, y_of, x_max, "inset-"))
        x = x_of(exposure.horizon_days)
        out.append(f'<line class="horizon" x1="{x:.2f}" y1="{plot.top:.2f}" '
                   f'x2="{x:.2f}" y2="{plot.bottom:.2f}"/>')
        out.append(f'<circle class="point" cx="{x:.2f}" cy="{y_of(_horizon_p(exposure)):.2f}" '
                   f'r="2.6"/>')
        title = f"{label} 0–{_percent_tick(ceiling)}".strip()
        out.append(f'<text class="inset-title" x="{box.left + 6:.2f}" y="{box.top + 11:.2f}">'
                   f"{escape(title)}</text>")
        return "\n".join(out)

    def factor_bars(self, lowers_label: str = "", raises_label: str = "",
                    empty_label: str = "", limit: int = _FACTOR_BARS,
                    more_label: str = "") -> Markup:
        """One bar per fired rule: its multiplier on a log scale, left lowers, right raises.

        At most `limit` bars, the strongest (the rows arrive strongest first): a pack of
        thousands of rules would otherwise draw a chart taller than any page, which can neither
        be split nor read. The rest are counted under the chart ('+2,976 ' then `more_label`).
        """
        shown = max(limit, 1)
        hidden = max(len(self._contributions) - shown, 0)
        rows = self._contributions[:shown]
        if not rows:
            parts = [f'<text class="empty" x="{_WIDTH / 2}" y="22" text-anchor="middle">'
                     f"{escape(empty_label)}</text>"]
            return self._svg("factor-chart", 36, parts)
        row_height = 21
        frame = _Frame(left=196, top=8, width=_WIDTH - 196 - 56, height=row_height * len(rows))
        centre = frame.left + frame.width / 2
        largest = max((abs(math.log10(r.multiplier_value)) for r in rows if r.multiplier_value > 0),
                      default=0.0)
        scale = (frame.width / 2) / max(largest * 1.08, math.log10(2))
        parts = []
        for index, row in enumerate(rows):
            parts.append(_bar(row, index, frame, row_height, centre, scale))
        parts.append(f'<line class="axis" x1="{centre:.2f}" y1="{frame.top - 4:.2f}" '
                     f'x2="{centre:.2f}" y2="{frame.bottom + 4:.2f}"/>')
        base = frame.bottom + 18
        parts.append(f'<text class="tick" x="{centre:.2f}" y="{base:.2f}" '
                     f'text-anchor="middle">×1</text>')
        parts.append(f'<text class="caption" x="{centre - 16:.2f}" y="{base:.2f}" '
                     f'text-anchor="end">{escape(lowers_label)}</text>')
        parts.append(f'<text class="caption" x="{centre + 16:.2f}" y="{base:.2f}">'
                     f"{escape(raises_label)}</text>")
        if hidden:
            base += 16
            parts.append(f'<text class="caption more" x="{frame.left - 10:.2f}" y="{base:.2f}" '
                         f'text-anchor="end">{escape(f"+{hidden:,} {more_label}".strip())}</text>')
        return self._svg("factor-chart", base + 8, parts)

    def tornado(self, now_label: str = "", axis_title: str = "", sooner_label: str = "",
                later_label: str = "", unchanged_label: str = "", unscored_label: str = "",
                never_label: str = "never", every_label: str = "all",
                ticks: Iterable[tuple[float, str]] = (), empty_label: str = "") -> Markup:
        """One bar per lever: the median days to a leak with each of its alternatives, every other
        answer as given, on a log scale around the median as answered (the vertical line).

        The part of a bar left of the line (a leak sooner) takes the band's colour, the part right
        of it (later) the colour of what lowers exposure, as in the factor chart. Each end is
        labelled with the alternative that gives it. The scale is fitted so every label stays
        inside the chart: the widest scale at which the labels of the leftmost and rightmost
        ends still fit (at most `_TORNADO_MAX_DECADE` pixels a power of ten). `ticks` are
        (days, label) pairs for the axis ('1 week'); without them, powers of ten of days.
        """
        rows, now = self._tornado, self._exposure.median_value
        if not rows or now is None or now <= 0:
            parts = [f'<text class="empty" x="{_WIDTH / 2}" y="22" text-anchor="middle">'
                     f"{escape(empty_label)}</text>"]
            return self._svg("tornado-chart", 36, parts)
        row_height = 22
        frame = _Frame(left=196, top=30, width=_WIDTH - 196 - 6, height=row_height * len(rows))
        centre = math.log10(now)
        finite = [math.log10(end.days) for row in rows for end in (row.sooner, row.later)
                  if end is not None and end.days is not None and end.days > 0]
        never_at = max([centre, *finite]) + 1.0

        def position(end: TornadoEndView | None) -> float:
            if end is None:
                return centre
            return never_at if end.days is None else math.log10(max(end.days, 1e-9))

        def end_text(end: TornadoEndView | None, limit: int) -> str:
            if end is None:
                return ""
            value = every_label if end.every and every_label else end.value
            return f"{_clip(value, limit)} · {never_label if end.days is None else end.median}"

        notes = [("" if row.sooner or row.later else
                  (unchanged_label if row.scored else unscored_label)) for row in rows]
        for limit in (30, 20, 12):
            labels = [(end_text(row.sooner, limit), end_text(row.later, limit)) for row in rows]
            spans = [(position(row.sooner), _text_width(low), position(row.later),
                      _text_width(high or note)) for row, (low, high), note
                     in zip(rows, labels, notes, strict=True)]
            scale, offset = _fit_log_scale(spans, frame.left, frame.right, _TORNADO_MAX_DECADE)
            if scale >= _TORNADO_MIN_DECADE:
                break

        def x_of(log_days: float) -> float:
            return offset + scale * log_days

        parts = [_log_ticks(frame, x_of, list(ticks) or _decades(frame, scale, offset))]
        for index, (row, (low, high), note) in enumerate(zip(rows, labels, notes, strict=True)):
            parts.append(_tornado_bar(row, index, frame, row_height, x_of(centre),
                                      x_of(position(row.sooner)), x_of(position(row.later)),
                                      low, high or note, note != ""))
        x_now = x_of(centre)
        parts.append(f'<line class="now" stroke="#1d2733" x1="{x_now:.2f}" '
                     f'y1="{frame.top - 6:.2f}" x2="{x_now:.2f}" y2="{frame.bottom + 2:.2f}"/>')
        now_text = f"{now_label} {self._exposure.median}".strip()
        width = _text_width(now_text)
        label_x = min(max(x_now, frame.left + width / 2), frame.right - width / 2)
        parts.append(f'<text class="now-label" x="{label_x:.2f}" y="{frame.top - 10:.2f}" '
                     f'text-anchor="middle">{escape(now_text)}</text>')
        parts.append(_tornado_legend(frame, sooner_label, later_label))
        parts.append(f'<text class="axis-title" x="{frame.left + frame.width / 2:.2f}" '
                     f'y="{frame.bottom + 30:.2f}" text-anchor="middle">'
                     f"{escape(axis_title)}</text>")
        return self._svg("tornado-chart", frame.bottom + 38, parts)

    def _svg(self, kind: str, height: float, parts: Iterable[str]) -> Markup:
        band = escape(self._exposure.band)
        body = "\n".join(parts)
        return Markup(
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind} band-{band}" '
            f'viewBox="0 0 {_WIDTH} {height:.0f}" width="{_WIDTH}" height="{height:.0f}" '
            f'role="img">\n<style>{escape(self._style)}</style>\n'
            f'<g class="band-{band}">\n{body}\n</g>\n</svg>')


def _horizon_p(exposure: ExposureView) -> float:
    matching = [p.p for p in exposure.points if p.days == exposure.horizon_days]
    if matching:
        return matching[0]
    return 1 - math.exp(-exposure.rate_value * exposure.horizon_days)


def _y_ceiling(p_end: float, p_high_end: float) -> float | None:
    """The inset's scale: a round share just above the curve's end, and never below the
    interval's upper end, so the band is not cut off; None when the curve reaches past 40% and
    reads well enough on the full scale."""
    return next((c for c in _Y_CEILINGS if p_end * 1.1 <= c and p_high_end <= c), None)


def _percent_tick(share: float) -> str:
    return f"{share * 100:g}%"


def _y_grid(frame: _Frame, y_of: Callable[[float], float], y_max: float) -> str:
    lines = []
    for quarter in range(5):
        p = y_max * quarter / 4
        lines += _y_tick(frame, y_of(p), p, frame.left - 6, "tick")
    return "\n".join(lines)


def _y_tick(frame: _Frame, y: float, share: float, label_x: float, css: str) -> list[str]:
    """A horizontal line across `frame` at `y` (the axis itself at 0%) and its percent label,
    for the main chart and its inset alike."""
    line = "axis" if share == 0 else "grid"
    return [f'<line class="{line}" x1="{frame.left:.2f}" y1="{y:.2f}" '
            f'x2="{frame.right:.2f}" y2="{y:.2f}"/>',
            f'<text class="{css}" x="{label_x:.2f}" y="{y + 3:.2f}" '
            f'text-anchor="end">{_percent_tick(share)}</text>']


def _x_ticks(frame: _Frame, x_of: Callable[[float], float], exposure: ExposureView,
             x_max: float) -> str:
    """Labelled days: the reported points and the horizon first, round numbers where they fit."""
    major = [0, *(p.days for p in exposure.points), exposure.horizon_days]
    minor = [t for t in _EXTRA_TICKS if t <= x_max]
    placed: list[tuple[float, int, bool]] = []
    for day, is_major in [(d, True) for d in major] + [(d, False) for d in minor]:
        x = x_of(day)
        if any(abs(x - other) < _MIN_TICK_GAP for other, _, _ in placed):
            continue
        placed.append((x, day, is_major))
    out = []
    for x, day, is_major in sorted(placed):
        css = "tick major" if is_major else "tick"
        out.append(f'<line class="axis" x1="{x:.2f}" y1="{frame.bottom:.2f}" '
                   f'x2="{x:.2f}" y2="{frame.bottom + 4:.2f}"/>')
        out.append(f'<text class="{css}" x="{x:.2f}" y="{frame.bottom + 15:.2f}" '
                   f'text-anchor="middle">{day:,}</text>')
    return "\n".join(out)


def _reference(frame: _Frame, x: float, p_at_day: float, label: str) -> str:
    """A dotted line at a reference day, its label running up the line where the curve is not.

    Left of the day the curve is below P(day): with room above it, the label hangs from the
    top on the left; otherwise it stands on the axis on the right, under the curve.
    """
    line = (f'<line class="reference" x1="{x:.2f}" y1="{frame.top:.2f}" '
            f'x2="{x:.2f}" y2="{frame.bottom:.2f}"/>')
    if not label:
        return line
    if p_at_day <= 0.5:
        lx, ly, anchor = x - 4, frame.top + 2, "end"
    else:
        lx, ly, anchor = x + 10, frame.bottom - 4, "start"
    return line + (f'\n<text class="reference-label" x="{lx:.2f}" y="{ly:.2f}" '
                   f'text-anchor="{anchor}" transform="rotate(-90 {lx:.2f} {ly:.2f})">'
                   f"{escape(label)}</text>")


def _horizon(frame: _Frame, x: float, label: str, exposure: ExposureView) -> str:
    anchor = "end" if x > frame.right - 120 else "middle"
    text = f"{label} {exposure.horizon}: {exposure.p_horizon}".strip()
    return (f'<line class="horizon" x1="{x:.2f}" y1="{frame.top - 4:.2f}" '
            f'x2="{x:.2f}" y2="{frame.bottom:.2f}"/>\n'
            f'<text class="horizon-label" x="{x:.2f}" y="{frame.top - 8:.2f}" '
            f'text-anchor="{anchor}">{escape(text)}</text>')


def _point(frame: _Frame, x: float, y: float, label: str, on_reference: bool = False,
           after_horizon: bool = False, before_horizon: bool = False) -> str:
    """A marked point; its label sits above-left, where a rising curve leaves room.

    Near the top of the plot that room is the horizon label's, and on the reference line it is
    the reference label's, so there the label goes below-right, under the curve (above-right
    when the curve runs along the axis); just past the horizon line it goes above-right. On the
    reference line with the horizon line just right of it, below-right would be crossed by the
    horizon; above the middle the reference label stands at the foot of its line, so the label
    goes above-left (below-left at the very top, where the horizon label is).
    """
    dot = f'<circle class="point" cx="{x:.2f}" cy="{y:.2f}" r="3.2"/>'
    if not label:
        return dot
    if on_reference and before_horizon and y < frame.top + frame.height * 0.5:
        anchor, dx, dy = "end", -6, (-6 if y > frame.top + 14 else 14)
    elif on_reference:
        anchor, dx, dy = "start", 7, (-6 if y > frame.bottom - 16 else 12)
    elif after_horizon:
        anchor, dx, dy = "start", 6, -6
    elif y < frame.top + frame.height * 0.12:
        near_right = x > frame.right - 40
        anchor, dx, dy = ("end", -6, 14) if near_right else ("start", 6, 14)
    else:
        anchor, dx, dy = "end", -6, -6
    return dot + (f'\n<text class="point-label" x="{x + dx:.2f}" y="{y + dy:.2f}" '
                  f'text-anchor="{anchor}">{escape(label)}</text>')


_LEGEND_CHAR = 5.0
"""Roughly the advance of one character of the legend's 9px type: where the second entry starts."""


def _legend(frame: _Frame, curve_label: str, interval_label: str) -> str:
    """Above the plot, right of the y axis title: the central curve's swatch, then the band's."""
    x, y = frame.left + 14, frame.top - 20
    out = []
    if curve_label:
        out.append(f'<line class="legend-curve" stroke="#1d2733" x1="{x:.2f}" '
                   f'y1="{y - 3:.2f}" x2="{x + 14:.2f}" y2="{y - 3:.2f}"/>\n'
                   f'<text class="legend" x="{x + 18:.2f}" y="{y:.2f}">'
                   f"{escape(curve_label)}</text>")
        x += 18 + len(curve_label) * _LEGEND_CHAR + 14
    if interval_label:
        out.append(f'<rect class="interval-band legend-band" fill-opacity="0.2" x="{x:.2f}" '
                   f'y="{y - 8:.2f}" width="14" height="10"/>\n'
                   f'<text class="legend" x="{x + 18:.2f}" y="{y:.2f}">'
                   f"{escape(interval_label)}</text>")
    return "\n".join(out)


def _axis_titles(frame: _Frame, x_title: str, y_title: str) -> str:
    x = frame.left + frame.width / 2
    return (f'<text class="axis-title" x="{x:.2f}" y="{frame.bottom + 32:.2f}" '
            f'text-anchor="middle">{escape(x_title)}</text>\n'
            f'<text class="axis-title" x="{frame.left - 40:.2f}" y="{frame.top - 20:.2f}">'
            f"{escape(y_title)}</text>")


def _bar(row: ContributionView, index: int, frame: _Frame, row_height: float, centre: float,
         scale: float) -> str:
    y = frame.top + index * row_height
    length = abs(math.log10(row.multiplier_value)) * scale if row.multiplier_value > 0 else 0
    css = "raise" if row.raises else "lower"
    x = centre if row.raises else centre - length
    label_x = centre + length + 5 if row.raises else centre - length - 5
    anchor = "start" if row.raises else "end"
    mid = y + row_height / 2
    return (f'<text class="row-label" x="{frame.left - 10:.2f}" y="{mid + 3:.2f}" '
            f'text-anchor="end">{escape(_clip(row.rule_id, 34))}</text>\n'
            f'<rect class="bar {css}" x="{x:.2f}" y="{y + 4:.2f}" width="{max(length, 1.5):.2f}" '
            f'height="{row_height - 8:.2f}"/>\n'
            f'<text class="value" x="{label_x:.2f}" y="{mid + 3:.2f}" '
            f'text-anchor="{anchor}">{escape(row.multiplier)}</text>')


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"



_TORNADO_MAX_DECADE = 170.0
"""The widest a power of ten of the median may be drawn, so a lever that moves it by a few
percent does not fill the chart."""
_TORNADO_MIN_DECADE = 36.0
"""Narrower than this, the end labels are clipped shorter so the bars keep room."""
_CHAR = 5.1
"""Roughly the advance of one character of the charts' 9-9.5px sans type."""


def _text_width(text: str) -> float:
    return len(text) * _CHAR + 6 if text else 0.0


def _fit_log_scale(spans: list[tuple[float, float, float, float]], left: float, right: float,
                   widest: float) -> tuple[float, float]:
    """(pixels per power of ten, offset) for x = offset + scale * log10(days), the widest scale
    at which every bar's labels fit between `left` and `right`.

    Each span is (log of its low end, width of the label left of it, log of its high end, width
    of the label right of it). A bar i and a bar j fit together when
    scale * (high_j - low_i) <= (right - left) - left label_i - right label_j, so the scale is
    the smallest such bound; the offset then centres what is drawn.
    """
    room = right - left
    scale = widest
    for low, low_width, _, _ in spans:
        for _, _, high, high_width in spans:
            if high > low:
                scale = min(scale, (room - low_width - high_width) / (high - low))
    scale = max(scale, 1.0)
    first = max(left + low_width - scale * low for low, low_width, _, _ in spans)
    last = min(right - high_width - scale * high for _, _, high, high_width in spans)
    return scale, (first + last) / 2 if first <= last else first


def _decades(frame: _Frame, scale: float, offset: float) -> list[tuple[float, str]]:
    """Powers of ten of days across the plot (and 2 and 5 times them when a power is wide)."""
    low = math.floor((frame.left - offset) / scale) - 1
    high = math.ceil((frame.right - offset) / scale) + 1
    steps = (1, 2, 5) if scale >= 120 else (1,)
    days = [step * 10.0 ** power for power in range(low, high + 1) for step in steps]
    return [(d, f"{round(d):,}" if d >= 1 else f"{d:.6g}") for d in days]


def _log_ticks(frame: _Frame, x_of: Callable[[float], float],
               ticks: list[tuple[float, str]]) -> str:
    """A grid line and a label under the plot at each tick inside it, in order, leaving out a tick
    whose label would touch the one before."""
    out = []
    last_end = -math.inf
    for days, label in sorted(ticks):
        if days <= 0:
            continue
        x = x_of(math.log10(days))
        half = _text_width(label) / 2
        if not frame.left <= x <= frame.right or x - half < last_end:
            continue
        last_end = x + half
        out.append(f'<line class="grid" x1="{x:.2f}" y1="{frame.top - 2:.2f}" '
                   f'x2="{x:.2f}" y2="{frame.bottom:.2f}"/>')
        out.append(f'<text class="tick" x="{x:.2f}" y="{frame.bottom + 13:.2f}" '
                   f'text-anchor="middle">{escape(label)}</text>')
    out.append(f'<line class="axis" x1="{frame.left:.2f}" y1="{frame.bottom:.2f}" '
               f'x2="{frame.right:.2f}" y2="{frame.bottom:.2f}"/>')
    return "\n".join(out)


def _tornado_bar(row: TornadoBarView, index: int, frame: _Frame, row_height: float,
                 x_now: float, x_low: float, x_high: float, low_label: str, high_label: str,
                 note: bool) -> str:
    y = frame.top + index * row_height
    mid = y + row_height / 2
    out = [f'<text class="row-label" x="{frame.left - 10:.2f}" y="{mid + 3:.2f}" '
           f'text-anchor="end">{escape(_clip(row.key, 30))}</text>']
    if x_low < x_now:
        out.append(f'<rect class="bar raise" x="{x_low:.2f}" y="{y + 5:.2f}" '
                   f'width="{x_now - x_low:.2f}" height="{row_height - 10:.2f}"/>')
        out.append(f'<text class="end-label" x="{x_low - 4:.2f}" y="{mid + 3:.2f}" '
                   f'text-anchor="end">{escape(low_label)}</text>')
    if x_high > x_now:
        out.append(f'<rect class="bar lower" x="{x_now:.2f}" y="{y + 5:.2f}" '
                   f'width="{x_high - x_now:.2f}" height="{row_height - 10:.2f}"/>')
    if high_label:
        css = "caption" if note else "end-label"
        out.append(f'<text class="{css}" x="{x_high + 4:.2f}" y="{mid + 3:.2f}">'
                   f"{escape(high_label)}</text>")
    return "\n".join(out)


def _tornado_legend(frame: _Frame, sooner_label: str, later_label: str) -> str:
    """Above the row labels: the colour of a leak sooner, then of a leak later."""
    x, y = 8.0, frame.top - 10
    out = []
    for css, label in (("raise", sooner_label), ("lower", later_label)):
        if not label:
            continue
        out.append(f'<rect class="bar {css}" x="{x:.2f}" y="{y - 8:.2f}" width="10" '
                   f'height="10"/>\n<text class="legend" x="{x + 14:.2f}" y="{y:.2f}">'
                   f"{escape(label)}</text>")
        x += 14 + len(label) * _LEGEND_CHAR + 12
    return "\n".join(out)
