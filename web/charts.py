"""Small SVG bar charts drawn on the server: no script, no library, readable on a slow laptop."""

from __future__ import annotations

from markupsafe import Markup, escape

ROW = 22
LABEL_WIDTH = 130
BAR_WIDTH = 320
VALUE_WIDTH = 110


def median_p90_bars(rows, title: str, median_label: str, p90_label: str) -> Markup:
    """Horizontal bars, one row per (label, median, p90) in minutes: the median solid, the p90 pale behind it."""
    rows = list(rows)
    top = max((p90 for _, _, p90 in rows), default=0) or 1
    height = ROW * (len(rows) + 2)
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}"'
             f' viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
             f'<rect x="{LABEL_WIDTH}" y="{height - 14}" width="10" height="10" fill="#1f5f8b"/>'
             f'<text x="{LABEL_WIDTH + 14}" y="{height - 5}" font-size="11">{escape(median_label)}</text>'
             f'<rect x="{LABEL_WIDTH + 110}" y="{height - 14}" width="10" height="10" fill="#a9c8de"/>'
             f'<text x="{LABEL_WIDTH + 124}" y="{height - 5}" font-size="11">{escape(p90_label)}</text>']
    for i, (label, median, p90) in enumerate(rows):
        y = ROW * (i + 1)
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 14}" font-size="11" text-anchor="end">'
                     f'{escape(str(label)[:20])}</text>')
        parts.append(f'<rect class="p90" x="{LABEL_WIDTH}" y="{y + 3}" width="{BAR_WIDTH * p90 / top:.1f}"'
                     f' height="14" fill="#a9c8de"/>')
        parts.append(f'<rect class="median" x="{LABEL_WIDTH}" y="{y + 3}" width="{BAR_WIDTH * median / top:.1f}"'
                     f' height="14" fill="#1f5f8b"/>')
        parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 14}" font-size="11">'
                     f'{format_minutes(median)} / {format_minutes(p90)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def format_minutes(minutes: float) -> str:
    """'45 min', '3.5 h', '2.1 d': short enough for a chart's margin."""
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} d"


def share_bars(counts: list[int], shares: list[float], title: str) -> Markup:
    """One bar per key: its share of the answers, with the count and the percentage beside it."""
    height = ROW * (len(counts) + 1)
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart shares" role="img" width="{width}"'
             f' height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>']
    for i, (count, share) in enumerate(zip(counts, shares)):
        y = ROW * (i + 1)
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 14}" font-size="11" text-anchor="end">{i + 1}</text>')
        parts.append(f'<rect class="share" data-key="{i + 1}" x="{LABEL_WIDTH}" y="{y + 3}"'
                     f' width="{BAR_WIDTH * share:.1f}" height="14" fill="#1f5f8b"/>')
        parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 14}" font-size="11">'
                     f'{count} · {share * 100:.0f} %</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
