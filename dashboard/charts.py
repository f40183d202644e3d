"""Charts as server-rendered SVG: no script, nothing to download, readable on a 3G phone.

Pure functions of plain numbers and labels (no Django); each returns an ``<svg>`` string that
scales to its container (``viewBox`` + ``width=100%``). Labels are escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

COLOURS = ["#9aa5b1", "#f0b429", "#de911d", "#2680c2", "#3ebd93", "#0e7c86"]


def _svg(width: int, height: int, body: str, title: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui,sans-serif" font-size="20">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def hbars(
    rows: Sequence[tuple[str, int]], *, title: str, colours: Sequence[str] | None = None
) -> str:
    """Horizontal bars, one per row: the funnel, a ranking."""
    width, row_h, label_w = 600, 40, 190
    top = max((n for _l, n in rows), default=0) or 1
    body = []
    for i, (label, n) in enumerate(rows):
        y = i * row_h
        w = round((width - label_w - 60) * n / top)
        colour = (colours or COLOURS)[i % len(colours or COLOURS)]
        body.append(
            f'<text x="{label_w - 8}" y="{y + 27}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 6}" width="{max(w, 1)}" height="{row_h - 12}" '
            f'rx="3" fill="{colour}"/>'
            f'<text x="{label_w + w + 6}" y="{y + 27}" font-weight="bold">{n}</text>'
        )
    return _svg(width, row_h * len(rows) + 4, "".join(body), title)


def target_bars(
    rows: Sequence[tuple[int, int | None, int]], *, title: str, legend: tuple[str, str]
) -> str:
    """Per year: the target (outlined) and what was reached (filled), side by side."""
    width, height, left, bottom = 600, 300, 34, 60
    top = max([1, *[t or 0 for _y, t, _r in rows], *[r for _y, _t, r in rows]])
    slot = (width - left) / max(len(rows), 1)
    bar = min(28.0, slot / 3)
    plot_h = height - bottom - 24
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        'stroke="#9aa5b1"/>'
    ]
    for i, (year, target, reached) in enumerate(rows):
        x = left + i * slot + slot / 2
        if target is not None:
            h = plot_h * target / top
            body.append(
                f'<rect x="{x - bar - 1:.1f}" y="{height - bottom - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="none" stroke="#486581" stroke-width="2" '
                'stroke-dasharray="4 2"/>'
                f'<text x="{x - bar / 2 - 1:.1f}" y="{height - bottom - h - 4:.1f}" '
                f'text-anchor="middle" fill="#486581">{target}</text>'
            )
        h = plot_h * reached / top
        colour = "#0e7c86" if target is None or reached >= target else "#de911d"
        body.append(
            f'<rect x="{x + 1:.1f}" y="{height - bottom - h:.1f}" width="{bar:.1f}" '
            f'height="{max(h, 1):.1f}" fill="{colour}"/>'
            f'<text x="{x + bar / 2 + 1:.1f}" y="{height - bottom - h - 4:.1f}" '
            f'text-anchor="middle" font-weight="bold">{reached}</text>'
            f'<text x="{x:.1f}" y="{height - bottom + 24}" text-anchor="middle">{year}</text>'
        )
    body.append(
        f'<rect x="{left}" y="{height - 16}" width="14" height="12" fill="none" '
        f'stroke="#486581" stroke-dasharray="4 2"/>'
        f'<text x="{left + 20}" y="{height - 5}">{escape(legend[0])}</text>'
        f'<rect x="{left + 160}" y="{height - 16}" width="14" height="12" fill="#0e7c86"/>'
        f'<text x="{left + 180}" y="{height - 5}">{escape(legend[1])}</text>'
    )
    return _svg(width, height, "".join(body), title)


def stacked_rows(
    rows: Sequence[tuple[str, Sequence[int]]],
    *,
    title: str,
    series: Sequence[str],
) -> str:
    """One stacked bar per row (a kecamatan), one colour per series (a stage)."""
    width, row_h, label_w = 600, 32, 170
    top = max([1, *[sum(v) for _l, v in rows]])
    body = []
    for i, (label, values) in enumerate(rows):
        y = i * row_h
        x = float(label_w)
        body.append(
            f'<text x="{label_w - 8}" y="{y + 23}" text-anchor="end">{escape(label)}</text>'
        )
        for j, v in enumerate(values):
            w = (width - label_w - 40) * v / top
            if v:
                body.append(
                    f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
                    f'fill="{COLOURS[j % len(COLOURS)]}">'
                    f"<title>{escape(series[j])}: {v}</title></rect>"
                )
            x += w
        body.append(f'<text x="{x + 5:.1f}" y="{y + 23}">{sum(values)}</text>')
    legend_y = len(rows) * row_h + 10
    for j, name in enumerate(series):
        lx = (j % 3) * 200
        ly = legend_y + (j // 3) * 26
        body.append(
            f'<rect x="{lx}" y="{ly}" width="14" height="14" '
            f'fill="{COLOURS[j % len(COLOURS)]}"/>'
            f'<text x="{lx + 20}" y="{ly + 13}" font-size="18">{escape(name)}</text>'
        )
    return _svg(width, legend_y + 26 * ((len(series) + 2) // 3), "".join(body), title)


def month_lines(
    months: Sequence[str],
    series: Sequence[tuple[str, Sequence[int], str]],
    *,
    title: str,
) -> str:
    """A small line chart by month (adoption trend): each series is (name, values, colour)."""
    width, height, left, bottom = 600, 260, 40, 70
    top = max([1, *[v for _n, values, _c in series for v in values]])
    n = max(len(months), 1)
    step = (width - left - 10) / max(n - 1, 1)
    plot_h = height - bottom - 12
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        'stroke="#9aa5b1"/>'
        f'<text x="{left - 6}" y="18" text-anchor="end" font-size="16">{top}</text>'
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end" font-size="16">0</text>'
    ]
    for i, label in enumerate(months):
        if i % 2 == 0 or n <= 6:
            body.append(
                f'<text x="{left + i * step:.1f}" y="{height - bottom + 22}" '
                f'text-anchor="middle" font-size="16">{escape(label)}</text>'
            )
    for k, (name, values, colour) in enumerate(series):
        points = " ".join(
            f"{left + i * step:.1f},{height - bottom - plot_h * v / top:.1f}"
            for i, v in enumerate(values)
        )
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
            f'<rect x="{(k % 2) * 300}" y="{height - 30 + (k // 2) * 22}" width="16" height="5" '
            f'fill="{colour}"/><text x="{(k % 2) * 300 + 22}" y="{height - 24 + (k // 2) * 22}" '
            f'font-size="16">{escape(name)}</text>'
        )
    return _svg(width, height, "".join(body), title)
