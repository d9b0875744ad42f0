"""A trainee's own charts: hours against the minimum, hours per day, coverage per video."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from learning.charts import AMBER, DATE_AXIS, GREEN, GREY, LIGHT_GREEN, as_dict, base_layout


def hours_against_minimum(
    *, online: float, offline: float, required: float, labels: dict[str, str]
) -> dict:
    """One stacked bar: online, on-site, what is missing; a line at the minimum."""
    missing = max(0.0, required - online - offline)
    figure = go.Figure()
    parts = (
        (online, labels["online"], GREEN),
        (offline, labels["offline"], LIGHT_GREEN),
        (missing, labels["missing"], GREY),
    )
    for value, name, colour in parts:
        figure.add_bar(
            x=[value],
            y=[""],
            orientation="h",
            name=name,
            marker_color=colour,
            hovertemplate=f"{name}: %{{x:.1f}}<extra></extra>",
        )
    figure.add_vline(x=required, line_color=AMBER, line_width=2)
    figure.add_annotation(
        x=required,
        y=1,
        yref="paper",
        yanchor="bottom",
        text=labels["minimum"],
        showarrow=False,
        font={"color": AMBER},
    )
    layout = base_layout(
        120,
        barmode="stack",
        showlegend=True,
        legend={"orientation": "h", "y": -0.45, "traceorder": "normal"},
    )
    layout["margin"] = {"l": 16, "r": 16, "t": 24, "b": 16}
    layout["xaxis"] = {"range": [0, max(required, online + offline) * 1.05]}
    figure.update_layout(layout)
    return as_dict(figure)


def hours_per_day(days: list[tuple[date, float]], *, labels: dict[str, str]) -> dict:
    """Standard hours credited on each of the last days (one bar per day, zero days shown)."""
    figure = go.Figure(
        go.Bar(
            x=[day.isoformat() for day, _hours in days],
            y=[hours for _day, hours in days],
            marker_color=GREEN,
            hovertemplate="%{x}: %{y:.1f}<extra></extra>",
        )
    )
    layout = base_layout(220)
    layout["yaxis"] = {"title": labels["axis"], "rangemode": "tozero"}
    layout["xaxis"] = DATE_AXIS
    figure.update_layout(layout)
    return as_dict(figure)


def coverage_per_video(titles: list[str], shares: list[float], *, labels: dict[str, str]) -> dict:
    """How much of each video, in programme order, has been watched (0..100 %)."""
    colours = [GREEN if share >= 99 else LIGHT_GREEN if share > 0 else GREY for share in shares]
    figure = go.Figure(
        go.Bar(
            x=list(range(1, len(titles) + 1)),
            y=shares,
            marker_color=colours,
            customdata=titles,
            hovertemplate="%{customdata}: %{y:.0f}%<extra></extra>",
        )
    )
    layout = base_layout(200)
    layout["yaxis"] = {"title": labels["axis"], "range": [0, 100]}
    layout["xaxis"] = {"title": labels["videos"]}
    figure.update_layout(layout)
    return as_dict(figure)
