# -*- coding: utf-8 -*-
# Copyright: ipsec.panos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A log-log line chart as a standalone SVG document, with no plotting library."""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 760, 460
LEFT, RIGHT, TOP, BOTTOM = 70, 230, 40, 60
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
DASHED_PREFIX = "baseline"


def _decades(low, high):
    """Return the powers of ten that cover [low, high], at least two of them."""
    first = math.floor(math.log10(low))
    last = max(math.ceil(math.log10(high)), first + 1)
    return [10.0**exponent for exponent in range(first, last + 1)]


def _label(value):
    return "%g" % value


def render_loglog(title, x_label, y_label, series):
    """Return an SVG chart of ``series``: a dict of legend label to a list of (x, y) points, all positive."""
    points = [point for values in series.values() for point in values]
    if not points:
        raise ValueError("no points to plot")
    x_ticks = _decades(min(x for x, _y in points), max(x for x, _y in points))
    y_ticks = _decades(min(y for _x, y in points), max(y for _x, y in points))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM

    def to_x(value):
        span = math.log10(x_ticks[-1]) - math.log10(x_ticks[0])
        return LEFT + plot_width * (math.log10(value) - math.log10(x_ticks[0])) / span

    def to_y(value):
        span = math.log10(y_ticks[-1]) - math.log10(y_ticks[0])
        return TOP + plot_height * (1 - (math.log10(value) - math.log10(y_ticks[0])) / span)

    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">'
        % (WIDTH, HEIGHT, WIDTH, HEIGHT),
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="%d" y="22" font-size="15">%s</text>' % (LEFT, escape(title)),
    ]
    for tick in x_ticks:
        x = to_x(tick)
        parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, TOP, x, TOP + plot_height))
        parts.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (x, TOP + plot_height + 18, _label(tick)))
    for tick in y_ticks:
        y = to_y(tick)
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (LEFT, y, LEFT + plot_width, y))
        parts.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (LEFT - 6, y + 4, _label(tick)))
    parts.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>' % (LEFT, TOP, plot_width, plot_height))
    parts.append('<text x="%d" y="%d" text-anchor="middle">%s</text>' % (LEFT + plot_width // 2, HEIGHT - 15, escape(x_label)))
    parts.append(
        '<text x="18" y="%d" text-anchor="middle" transform="rotate(-90 18 %d)">%s</text>' % (TOP + plot_height // 2, TOP + plot_height // 2, escape(y_label))
    )

    for index, (label, values) in enumerate(series.items()):
        color = COLORS[index % len(COLORS)]
        dash = ' stroke-dasharray="6 4"' if label.startswith(DASHED_PREFIX) else ""
        coordinates = " ".join("%.1f,%.1f" % (to_x(x), to_y(y)) for x, y in sorted(values))
        parts.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>' % (coordinates, color, dash))
        for x, y in values:
            parts.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (to_x(x), to_y(y), color))
        legend_y = TOP + 10 + 20 * index
        legend_x = LEFT + plot_width + 15
        parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>' % (legend_x, legend_y, legend_x + 24, legend_y, color, dash))
        parts.append('<text x="%d" y="%d">%s</text>' % (legend_x + 30, legend_y + 4, escape(label)))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
