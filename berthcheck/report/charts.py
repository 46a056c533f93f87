"""Charts as SVG strings, in pure Python.

Every text that reaches the SVG goes through `esc` (labels can be terminal names or other input
text); numbers are written with fixed formats so the same data draws the same bytes. The result
is wrapped in `markupsafe.Markup` only here, after escaping, so templates can inline it.
"""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

from berthcheck.report.fmt import without_direction_controls

FONT = "BC Sans Condensed, DejaVu Sans Condensed, sans-serif"
INK = "#1f2933"
MUTED = "#6b7280"
GRID = "#d9dee5"
COLORS = {
    "compliant": "#2e7d5b",
    "non_compliant": "#c2412d",
    "insufficient": "#d69e2e",
    "other": "#9aa5b1",
    "bar": "#35608f",
    "over": "#c2412d",
}
SERIES_COLORS = ("#35608f", "#2e7d5b", "#8a5cb8", "#d69e2e")


def esc(text) -> str:
    return escape(without_direction_controls(str(text)), quote=True)  # as render._printable


def n(value: float) -> str:
    """Coordinates: two decimals, no exponent, no negative zero."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _svg(width: float, height: float, body: list[str], title: str) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{n(width)}" height="{n(height)}" '
        f'viewBox="0 0 {n(width)} {n(height)}" font-family="{esc(FONT)}" font-size="10" '
        f'fill="{INK}" role="img" aria-label="{esc(title)}">'
    )
    return Markup(head + f"<title>{esc(title)}</title>" + "".join(body) + "</svg>")


def _text(x, y, text, *, anchor="start", size=None, color=None, weight=None,
          rotate=None) -> str:
    attrs = [f'x="{n(x)}"', f'y="{n(y)}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if size:
        attrs.append(f'font-size="{n(size)}"')
    if color:
        attrs.append(f'fill="{color}"')
    if weight:
        attrs.append(f'font-weight="{weight}"')
    if rotate is not None:
        attrs.append(f'transform="rotate({n(rotate)} {n(x)} {n(y)})"')
    return f"<text {' '.join(attrs)}>{esc(text)}</text>"


def _rect(x, y, w, h, color) -> str:
    return f'<rect x="{n(x)}" y="{n(y)}" width="{n(max(w, 0))}" height="{n(max(h, 0))}" fill="{color}"/>'


def _line(x1, y1, x2, y2, color=GRID, width=0.75, dash=None) -> str:
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<line x1="{n(x1)}" y1="{n(y1)}" x2="{n(x2)}" y2="{n(y2)}" stroke="{color}" '
            f'stroke-width="{n(width)}"{extra}/>')


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `maximum` (steps of 1, 2, 2.5 or 5 x 10^k)."""
    if maximum <= 0:
        return [0.0, 1.0]
    base = 10.0 ** math.floor(math.log10(maximum / count))
    size = 10 * base
    for step in (1, 2, 2.5, 5, 10):
        if step * base * count >= maximum:
            size = step * base
            break
    steps = math.ceil(maximum / size - 1e-9)
    return [round(k * size, 6) for k in range(steps + 1)]


def tick_label(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.1f}"


def legend(items: list[tuple[str, str]], x: float, y: float) -> list[str]:
    out = []
    for label, color in items:
        out.append(_rect(x, y - 7, 8, 8, color))
        out.append(_text(x + 11, y, label, size=9))
        x += 18 + 5.4 * len(label)
    return out


def empty_chart(title: str, message: str, width: float = 700, height: float = 70) -> Markup:
    return _svg(width, height, [
        _text(0, 14, title, size=11.5, weight="bold"),
        _text(0, 40, message, color=MUTED),
    ], title)


def compliance_by_terminal(rows: list[dict], width: float = 700,
                           unit: str = "terminal") -> Markup:
    """Horizontal stacked bars: compliant / non-compliant / insufficient data / other, with the
    compliance rate at the end of each bar."""
    title = f"Compliance by {unit} (visits)"
    if not rows:
        return empty_chart(title, "No visits in scope.")
    label_w, right_w, bar_h, gap, top = 150.0, 70.0, 14.0, 6.0, 42.0
    plot_w = width - label_w - right_w
    height = top + len(rows) * (bar_h + gap) + 22
    biggest = max(r["visits"] for r in rows) or 1
    ticks = nice_ticks(biggest)
    scale = plot_w / ticks[-1]
    body = [_text(0, 12, title, size=11.5, weight="bold")]
    body += legend([("Compliant", COLORS["compliant"]), ("Non-compliant", COLORS["non_compliant"]),
                    ("Insufficient data", COLORS["insufficient"]),
                    ("Exempt / not applicable", COLORS["other"])], 0, 28)
    bottom = top + len(rows) * (bar_h + gap)
    for t in ticks:
        x = label_w + t * scale
        body.append(_line(x, top - 4, x, bottom))
        body.append(_text(x, bottom + 11, tick_label(t), anchor="middle", size=9, color=MUTED))
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        label = r.get("label") or r["terminal"]
        name = label if len(label) <= 26 else label[:25] + "…"
        body.append(_text(label_w - 6, y + bar_h - 3.5, name, anchor="end"))
        x = label_w
        for key, color in (("compliant", COLORS["compliant"]),
                           ("non_compliant", COLORS["non_compliant"]),
                           ("insufficient", COLORS["insufficient"]),
                           ("other", COLORS["other"])):
            w = r[key] * scale
            body.append(_rect(x, y, w, bar_h, color))
            x += w
        body.append(_text(x + 5, y + bar_h - 3.5, r["rate"], size=9))
    return _svg(width, height, body, title)


def columns(title: str, labels: list[str], values: list[float], *, y_title: str,
            width: float = 700, height: float = 230, value_format=None,
            highlight_from: int | None = None, note: str | None = None,
            marker_after: int | None = None, marker_label: str | None = None,
            value_texts: list[str] | None = None) -> Markup:
    """Vertical bars with a y axis; bars from `highlight_from` on are drawn in the alert
    colour; an optional dashed marker between bars `marker_after` and `marker_after + 1`.
    `value_texts` gives each bar's label itself, written even for a zero bar (a value of 0
    and no value at all must not look alike); an empty text writes none."""
    if not labels:
        return empty_chart(title, "Nothing to show.")
    left, right, top, bottom = 46.0, 8.0, 28.0, 34.0
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max(values) if values else 0)
    scale = plot_h / ticks[-1]
    slot = plot_w / len(labels)
    bar_w = max(slot * 0.72, 1.0)
    body = [_text(0, 12, title, size=11.5, weight="bold")]
    base = top + plot_h
    for t in ticks:
        y = base - t * scale
        body.append(_line(left, y, left + plot_w, y))
        body.append(_text(left - 4, y + 3, tick_label(t), anchor="end", size=9, color=MUTED))
    body.append(_text(10, top + plot_h / 2, y_title, anchor="middle", size=9, color=MUTED,
                      rotate=-90))
    every = max(1, -(-len(labels) // 31))
    show_values = len(labels) <= 16
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + i * slot + (slot - bar_w) / 2
        h = value * scale
        color = COLORS["over"] if highlight_from is not None and i >= highlight_from \
            else COLORS["bar"]
        body.append(_rect(x, base - h, bar_w, h, color))
        if value_texts is not None:
            text = value_texts[i]
        else:
            text = "" if not value else value_format(value) if value_format else tick_label(value)
        if show_values and text:
            body.append(_text(x + bar_w / 2, base - h - 3, text, anchor="middle", size=8.5))
        if i % every == 0:
            body.append(_text(x + bar_w / 2, base + 11, label, anchor="middle", size=8.5,
                              color=MUTED))
    body.append(_line(left, base, left + plot_w, base, color=MUTED, width=0.9))
    if marker_after is not None and 0 <= marker_after < len(labels):
        mx = left + (marker_after + 1) * slot
        body.append(_line(mx, top - 6, mx, base, color=INK, width=1, dash="3,2"))
        if marker_label:
            body.append(_text(mx + 3, top - 1, marker_label, size=9))
    if note:
        body.append(_text(left, height - 4, note, size=9, color=MUTED))
    return _svg(width, height, body, title)


def panels(title: str, groups: list[dict], series: list[str], *, width: float = 700,
           height: float = 200, value_format=None, group_format=None) -> Markup:
    """One small bar panel per group (own scale), one bar per series: e.g. avoided emissions
    per pollutant, by control type. `group_format` writes a panel's values together (one
    unit for the panel); else `value_format` writes each."""
    if not groups or not series:
        return empty_chart(title, "Nothing to show.")
    top, bottom, gap = 42.0, 30.0, 14.0
    panel_w = (width - gap * (len(groups) - 1)) / len(groups)
    plot_h = height - top - bottom
    colors = {s: SERIES_COLORS[i % len(SERIES_COLORS)] for i, s in enumerate(series)}
    body = [_text(0, 12, title, size=11.5, weight="bold")]
    body += legend([(s, colors[s]) for s in series], 0, 28)
    base = top + plot_h
    for g_index, group in enumerate(groups):
        x0 = g_index * (panel_w + gap)
        values = group["values"]
        biggest = max(values) if values else 0
        scale = plot_h * 0.82 / biggest if biggest > 0 else 0
        slot = panel_w / max(len(series), 1)
        bar_w = slot * 0.6
        body.append(_line(x0, base, x0 + panel_w, base, color=MUTED, width=0.9))
        texts = group_format(values) if group_format else [
            value_format(v) if value_format else tick_label(v) for v in values]
        for i, (value, text) in enumerate(zip(values, texts, strict=True)):
            x = x0 + i * slot + (slot - bar_w) / 2
            h = value * scale
            body.append(_rect(x, base - h, bar_w, h, colors[series[i]]))
            body.append(_text(x + bar_w / 2, base - h - 3, text, anchor="middle", size=8.5))
        body.append(_text(x0 + panel_w / 2, base + 13, group["label"], anchor="middle",
                          size=9, weight="bold"))
    return _svg(width, height, body, title)


def draw_all(chart_data: dict) -> dict[str, Markup]:
    """The report's four charts from the model's chart data."""
    from berthcheck.report.fmt import masses_kg

    over = chart_data.get("over_time") or {}
    delays = chart_data.get("delays")
    avoided = chart_data.get("avoided")
    out = {
        "by_terminal": compliance_by_terminal(chart_data.get("by_terminal") or [],
                                              unit=chart_data.get("by_terminal_unit", "terminal")),
        "over_time": columns(
            f"Uncontrolled hours by {over.get('unit', 'day')} of departure",
            over.get("labels") or [], over.get("values") or [], y_title="hours",
            value_format=lambda v: f"{v:,.1f}",
        ),
    }
    if delays:
        limit = delays["limit_index"]
        out["delays"] = columns(
            "Connection delay: Ready to Work to first control", delays["labels"],
            [float(c) for c in delays["counts"]], y_title="visits",
            highlight_from=limit, marker_after=None if limit is None else limit - 1,
            marker_label=None if limit is None else f"limit {delays['limit_hours']:g} h",
            value_format=lambda v: f"{v:,.0f}",
            note=f"No control session: {delays['never']:,} visit"
                 + ("" if delays["never"] == 1 else "s"),
        )
    else:
        # drawn empty only for a pack whose window starts at ready_to_work, a column its
        # results then have (report/data.py `_check_columns`): the visits lack the time
        out["delays"] = empty_chart(
            "Connection delay", "Not drawn: no judged visit in scope has a Ready to Work time.")
    if avoided and avoided.get("types"):
        out["avoided"] = panels(
            "Emissions avoided by control type",
            [{"label": p["label"], "values": p["values"]} for p in avoided["pollutants"]],
            avoided["types"], group_format=masses_kg,
        )
    else:
        out["avoided"] = empty_chart(
            "Emissions avoided by control type",
            "Not available: the run's results carry no avoided-emission columns.")
    return out
