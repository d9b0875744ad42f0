"""A class's charts for its instructors: hours, progress against the needed pace, retention."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

import plotly.graph_objects as go

from learning.charts import AMBER, DATE_AXIS, GREEN, LIGHT_GREEN, as_dict, base_layout


def hours_distribution(hours: list[float], *, required: float, labels: dict[str, str]) -> dict:
    """How many trainees have how many hours, in bins of 10, with the minimum marked."""
    figure = go.Figure(
        go.Histogram(
            x=hours,
            xbins={"start": 0, "end": max([required, *hours]) + 10, "size": 10},
            marker_color=GREEN,
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    figure.add_vline(x=required, line_color=AMBER, line_width=2)
    layout = base_layout(220)
    layout["xaxis"] = {"title": labels["hours"]}
    tallest = max(Counter(int(value // 10) for value in hours).values(), default=1)
    layout["yaxis"] = {
        "title": labels["trainees"],
        "dtick": max(1, math.ceil(tallest / 5)),  # whole trainees, five ticks at most
        "rangemode": "tozero",
    }
    figure.update_layout(layout)
    return as_dict(figure)


def progress_against_pace(
    cumulative: list[tuple[date, float]],
    *,
    today: date,
    deadline: date | None,
    target: float,
    labels: dict[str, str],
    period: tuple[date | None, date | None] = (None, None),
) -> dict:
    """The class's hours added up over time; dashed, the pace that reaches the target by the
    next exam day from where the class stands today. A period narrows the days shown."""
    figure = go.Figure(
        go.Scatter(
            x=[day.isoformat() for day, _hours in cumulative],
            y=[hours for _d, hours in cumulative],
            mode="lines",
            line={"color": GREEN, "width": 3},
            name=labels["actual"],
            hovertemplate="%{x}: %{y:.1f}<extra></extra>",
        )
    )
    now = cumulative[-1][1] if cumulative else 0.0
    if deadline is not None:
        figure.add_scatter(
            x=[today.isoformat(), deadline.isoformat()],
            y=[now, target],
            mode="lines",
            line={"color": AMBER, "dash": "dash"},
            name=labels["needed"],
        )
    figure.add_hline(y=target, line_color=LIGHT_GREEN, line_dash="dot")
    layout = base_layout(240, showlegend=True, legend={"orientation": "h", "y": -0.25})
    layout["yaxis"] = {"title": labels["hours"], "rangemode": "tozero"}
    layout["xaxis"] = dict(DATE_AXIS)
    first, last = period
    if first or last:
        shown = [day for day, _hours in cumulative] + [today] + ([deadline] if deadline else [])
        layout["xaxis"]["range"] = [
            (first or min(shown)).isoformat(),
            (last or max(shown)).isoformat(),
        ]
    figure.update_layout(layout)
    return as_dict(figure)


def retention_curve(shares: list[float], *, duration_s: int, labels: dict[str, str]) -> dict:
    """Share of the class that covered each part of one video: where people drop off."""
    step = duration_s / len(shares) if shares else 0
    minutes = [round((index + 0.5) * step / 60, 1) for index in range(len(shares))]
    figure = go.Figure(
        go.Scatter(
            x=minutes,
            y=[100 * share for share in shares],
            mode="lines",
            fill="tozeroy",
            line={"color": GREEN},
            hovertemplate="%{x} min: %{y:.0f}%<extra></extra>",
        )
    )
    layout = base_layout(220)
    layout["xaxis"] = {"title": labels["minute"]}
    layout["yaxis"] = {"title": labels["share"], "range": [0, 100]}
    figure.update_layout(layout)
    return as_dict(figure)
