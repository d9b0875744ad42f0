"""A class's readiness for the theory exam: mock scores over time, accuracy per knowledge point."""

from __future__ import annotations

from datetime import datetime

import plotly.graph_objects as go

from learning.charts import AMBER, DATE_AXIS, GREEN, as_dict, base_layout
from learning.domain.exam_practice import Accuracy

LEGEND_MOST = 10  # trainees named in a legend; beyond, their names show on hover only
WEAK_SHARE = 0.6  # accuracy below this is drawn in amber, as a score below 60 of 100 fails
BAR_HEIGHT = 28


def mock_scores(
    trainees: list[tuple[str, list[tuple[datetime, int]]]],
    *,
    pass_marks: list[int],
    top: int,
    labels: dict[str, str],
) -> dict:
    """Each trainee's mock scores by the time the paper was handed in (local times), one line
    per trainee; the pass mark as a dashed line (one per pass mark, if the format changed)."""
    figure = go.Figure()
    for name, scores in trainees:
        figure.add_scatter(
            x=[moment.strftime("%Y-%m-%d %H:%M") for moment, _score in scores],
            y=[score for _moment, score in scores],
            mode="lines+markers",
            name=name,
            marker={"size": 8},
            hovertemplate=f"{name}<br>%{{x}}: %{{y}}<extra></extra>",
        )
    for mark in pass_marks:
        figure.add_hline(
            y=mark,
            line_color=AMBER,
            line_dash="dash",
            annotation_text=labels["pass_mark"],
            annotation_position="top left",
            annotation_font_color=AMBER,
        )
    legend = len(trainees) <= LEGEND_MOST
    layout = base_layout(
        280, showlegend=legend, legend={"orientation": "h", "y": -0.2, "yanchor": "top"}
    )
    layout["xaxis"] = dict(DATE_AXIS)
    layout["yaxis"] = {"title": labels["score"], "range": [0, top * 1.05]}
    figure.update_layout(layout)
    return as_dict(figure)


def knowledge_points(rows: list[Accuracy], *, labels: dict[str, str]) -> dict:
    """Accuracy per knowledge point as horizontal bars, the weakest at the top."""
    figure = go.Figure(
        go.Bar(
            x=[round(100 * row.share) for row in rows],
            y=[row.label for row in rows],
            orientation="h",
            marker_color=[AMBER if row.share < WEAK_SHARE else GREEN for row in rows],
            text=[f"{round(100 * row.share)}% ({row.right}/{row.answered})" for row in rows],
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    layout = base_layout(60 + BAR_HEIGHT * len(rows))
    layout["margin"] = {"l": 16, "r": 16, "t": 8, "b": 40}
    layout["xaxis"] = {"title": labels["share"], "range": [0, 100]}
    layout["yaxis"] = {"autorange": "reversed", "automargin": True}
    figure.update_layout(layout)
    return as_dict(figure)
