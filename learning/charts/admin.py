"""The training body's charts for admins."""

from __future__ import annotations

import plotly.graph_objects as go

from learning.charts import AMBER, GREEN, GREY, LIGHT_GREEN, as_dict, base_layout


def enrolments_per_programme(
    names: list[str], reached: list[int], studying: list[int], *, labels: dict[str, str]
) -> dict:
    """One horizontal bar per programme, so that its full name reads on a phone too."""
    figure = go.Figure(
        [
            go.Bar(y=names, x=reached, name=labels["reached"], marker_color=GREEN, orientation="h"),
            go.Bar(
                y=names,
                x=studying,
                name=labels["studying"],
                marker_color=LIGHT_GREEN,
                orientation="h",
            ),
        ]
    )
    layout = base_layout(
        90 + 26 * len(names),
        barmode="stack",
        showlegend=True,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "traceorder": "normal"},
    )
    layout["margin"] = {**layout["margin"], "t": 40}
    layout["xaxis"] = {"title": labels["enrolments"], "rangemode": "tozero"}
    layout["yaxis"] = {"autorange": "reversed", "automargin": True}
    figure.update_layout(layout)
    return as_dict(figure)


def fees_per_month(months: list[str], yuan: list[float], *, labels: dict[str, str]) -> dict:
    figure = go.Figure(
        go.Bar(
            x=months, y=yuan, marker_color=GREEN, hovertemplate="%{x}: ¥%{y:,.0f}<extra></extra>"
        )
    )
    layout = base_layout(240)
    layout["yaxis"] = {"title": labels["yuan"], "rangemode": "tozero"}
    layout["xaxis"] = {"type": "category"}  # YYYY-MM as written, not as English month names
    figure.update_layout(layout)
    return as_dict(figure)


def exam_sessions(
    labels_x: list[str],
    capacity: list[int],
    registered: list[int],
    passed: list[int],
    failed: list[int],
    *,
    labels: dict[str, str],
) -> dict:
    figure = go.Figure(
        [
            go.Bar(x=labels_x, y=capacity, name=labels["capacity"], marker_color=GREY),
            go.Bar(x=labels_x, y=registered, name=labels["registered"], marker_color=LIGHT_GREEN),
            go.Bar(x=labels_x, y=passed, name=labels["passed"], marker_color=GREEN),
            go.Bar(x=labels_x, y=failed, name=labels["failed"], marker_color=AMBER),
        ]
    )
    layout = base_layout(
        300,
        barmode="group",
        showlegend=True,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
    )
    layout["margin"] = {**layout["margin"], "t": 40}
    layout["yaxis"] = {"title": labels["people"], "rangemode": "tozero"}
    layout["xaxis"] = {"type": "category", "automargin": True}
    figure.update_layout(layout)
    return as_dict(figure)
