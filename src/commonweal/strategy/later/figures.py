""" "A year later"'s charts, each with its table (:mod:`commonweal.strategy.charts`): the relationship measures
over survey rounds (shares, and scores with trust), the pulse over rounds, and commitments by status."""

from __future__ import annotations

from commonweal.strategy.charts import Chart, Table, bars, lines
from commonweal.strategy.later.build import (
    MEASURE_ROWS,
    PULSE_SERIES,
    SCORE_SERIES,
    SHARE_SERIES,
    STATUS_LABELS,
    PulseRow,
    RelationshipRound,
    StatusMonth,
    YearLater,
)
from commonweal.strategy.participation import figures as participation_figures


def _measure_table(rounds: list[RelationshipRound]) -> Table:
    return Table(
        "Relationship measures, survey round by survey round",
        ["Measure", *[r.name for r in rounds]],
        [[label, *[show(r) for r in rounds]] for label, show in MEASURE_ROWS],
    )


def relationship_shares(rounds: list[RelationshipRound]) -> Chart:
    order = [r.name for r in rounds]
    points = [
        {"at": r.name, "series": label, "value": round(v, 3)}
        for r in rounds
        for key, label in SHARE_SERIES
        if (v := r.shown(key)) is not None
    ]
    return Chart(
        "relationship-shares",
        "Density, reciprocity, ties across sectors and centralisation over the survey rounds",
        lines(
            "Density, reciprocity, the share of ties across sectors and centralisation in each relationship "
            "survey round, from 0 to 1.",
            points,
            order=order,
            series=[label for _k, label in SHARE_SERIES],
            y_title="0 to 1",
            domain=(0, 1),
        ),
        _measure_table(rounds),
        drawn=bool(points),
    )


def relationship_scores(rounds: list[RelationshipRound]) -> Chart:
    order = [r.name for r in rounds]
    points = [
        {"at": r.name, "series": label, "value": round(v, 3)}
        for r in rounds
        for key, label in SCORE_SERIES
        if (v := r.shown(key)) is not None
    ]
    rows = [
        [
            r.name,
            "–" if r.measures.mean_intensity is None else f"{r.measures.mean_intensity:.1f}",
            *[
                show(r)
                for label, show in MEASURE_ROWS
                if label.startswith(("Average trust", "Average value"))
            ],
        ]
        for r in rounds
    ]
    return Chart(
        "relationship-scores",
        "Intensity, trust and value of relationships over the survey rounds",
        lines(
            "The average intensity (0 to 4), trust (1 to 4) and value (1 to 4) of the ties in each relationship "
            "survey round.",
            points,
            order=order,
            series=[label for _k, label in SCORE_SERIES],
            y_title="Score",
            domain=(0, 4),
        ),
        Table(
            "Intensity, trust and value, survey round by survey round",
            ["Survey round", "Intensity (0 to 4)", "Trust (1 to 4)", "Value (1 to 4)"],
            rows,
        ),
        note="Trust and value are shown only where 5 or more organisations rated partners on them.",
        drawn=bool(points),
    )


def pulse(rows: list[PulseRow]) -> Chart:
    order = [r.name for r in rows]
    points = [
        {"at": r.name, "series": label, "value": round(float(r.means[key] or 0), 2)}
        for r in rows
        for key, label in PULSE_SERIES
        if r.means.get(key) is not None
    ]

    def mean(value: float | None) -> str:
        return "–" if value is None else f"{value:.1f}"

    table_rows = [
        [
            r.name,
            f"{r.respondents:,}",
            *[mean(r.means.get(k)) for k, _l in PULSE_SERIES],
            r.change.summary if r.change else "–",
        ]
        for r in rows
    ]
    return Chart(
        "pulse-over-rounds",
        "Direction, alignment and commitment over the pulse rounds",
        lines(
            "The mean score of direction, alignment and commitment (1 to 5) in each pulse round.",
            points,
            order=order,
            series=[label for _k, label in PULSE_SERIES],
            y_title="Mean score (1 to 5)",
            domain=(1, 5),
        ),
        Table(
            "The pulse, round by round",
            ["Pulse round", "People", *[label for _k, label in PULSE_SERIES], "Since the round before"],
            table_rows,
        ),
        drawn=bool(points),
    )


#: Each status's colour (NHS identity colours): grey not started, green on track, yellow at risk, red off track,
#: dark blue done, pale grey withdrawn. The table beside the chart gives every figure in words.
STATUS_COLOURS = {
    "not_started": "#768692",
    "on_track": "#007f3b",
    "at_risk": "#ffb81c",
    "off_track": "#d5281b",
    "done": "#003087",
    "withdrawn": "#aeb7bd",
}


def statuses(months: list[StatusMonth]) -> Chart:
    order = [f"{m.month:%b %Y}" for m in months]
    labels = list(STATUS_LABELS.values())
    points = [
        {"at": f"{m.month:%b %Y}", "series": STATUS_LABELS[k], "value": n}
        for m in months
        for k, n in m.counts.items()
        if n
    ]
    rows = [
        [f"{m.month:%B %Y}", *[f"{m.counts.get(k, 0):,}" for k in STATUS_LABELS], f"{m.total:,}"]
        for m in months
    ]
    return Chart(
        "commitments-by-status",
        "Commitments by status at the end of each month",
        bars(
            "How many commitments stood at each status at the end of each month.",
            points,
            order=order,
            series=labels,
            y_title="Commitments",
            colours=[STATUS_COLOURS[k] for k in STATUS_LABELS],
        ),
        Table("Commitments by status at the end of each month", ["Month", *labels, "All"], rows),
        drawn=bool(points),
    )


def sections(later: YearLater) -> list[tuple[str, str, list[Chart]]]:
    """The page's and the report's sections: (key, heading, charts), each chart with its table."""
    return [
        (
            "relationships",
            "Relationships between organisations",
            [relationship_shares(later.relationships), relationship_scores(later.relationships)],
        ),
        ("pulse", "The pulse: direction, alignment and commitment", [pulse(later.pulse)]),
        ("commitments", "Commitments by status", [statuses(later.statuses)]),
        (
            "participation",
            "Who took part, round by round",
            [participation_figures.over_time(later.participation)],
        ),
    ]
