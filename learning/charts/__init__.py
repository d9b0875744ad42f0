"""Plotly figures from plain data: one function per chart, no queries, no Flask.

Figures are returned as plain dicts (the JSON plotly.js takes); the pages embed them as JSON
data and `static/js/charts.js` draws them with the plotly.js the app serves itself.
"""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go

GREEN = "#1f7a4d"
LIGHT_GREEN = "#8fd1ad"
GREY = "#e3e9e5"
AMBER = "#a15c00"
FONT = (
    "PingFang SC, Hiragino Sans GB, Microsoft YaHei, Noto Sans CJK SC, Noto Sans SC, "
    "system-ui, sans-serif"
)


DAY_MS = 86_400_000
# Dates as Chinese readers write them, never English month names: days within a month's view,
# months beyond.
DATE_AXIS: dict[str, Any] = {
    "type": "date",
    "hoverformat": "%Y-%m-%d",
    "tickformatstops": [
        {"dtickrange": [None, 27 * DAY_MS], "value": "%m-%d"},
        {"dtickrange": [27 * DAY_MS, None], "value": "%Y-%m"},
    ],
}


def as_dict(figure: go.Figure) -> dict[str, Any]:
    """Plain JSON data (no numpy), safe for Jinja's `tojson`."""
    return json.loads(figure.to_json())


def base_layout(height: int, **extra: Any) -> dict[str, Any]:
    return {
        "height": height,
        "margin": {"l": 48, "r": 16, "t": 16, "b": 40},
        "font": {"family": FONT, "size": 13, "color": "#1d2521"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": False,
        **extra,
    }
