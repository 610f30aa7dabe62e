"""The participation dashboard's charts, each with its table (:mod:`commonweal.strategy.charts`). A chart draws
only counts shown exactly; the table gives every cell as published."""

from __future__ import annotations

from commonweal.strategy.charts import Chart, Table, bars
from commonweal.strategy.participation.build import KIND_LABELS, SURVEY, Participation


def over_time(p: Participation) -> Chart:
    """People who took part in each conversation, survey round and pulse round, in the order they opened."""
    order = [a.short for a in p.activities]
    series = [KIND_LABELS[k] for k in KIND_LABELS if any(a.kind == k for a in p.activities)]
    points = [
        {"at": a.short, "series": KIND_LABELS[a.kind], "value": a.people.count}
        for a in p.activities
        if a.people.count is not None
    ]
    rows = [
        [
            a.short,
            KIND_LABELS[a.kind],
            f"{a.on:%B %Y}",
            a.people.display,
            (f"{a.organisations_answering:,} of {p.n_organisations:,}" if a.kind == SURVEY else "–"),
        ]
        for a in p.activities
    ]
    hidden = any(a.people.count is None for a in p.activities)
    return Chart(
        "participation-over-time",
        "People who took part, round by round",
        bars(
            "People who took part in each conversation, relationship survey round and pulse round, in the "
            "order they opened.",
            points,
            order=order,
            series=series,
            y_title="People",
            stacked=False,
        ),
        Table(
            "People who took part, round by round",
            ["Round", "What", "Opened", "People", "Organisations answering"],
            rows,
        ),
        note="A round of fewer than 5 people is left out of the chart." if hidden else "",
        drawn=bool(points),
    )


def commitments_over_time(p: Participation) -> Chart:
    order = [f"{m:%b %Y}" for m, _n, _f in p.commitments_by_month]
    made, first = "Commitments made", "Organisations and groups committing for the first time"
    points = [
        {"at": f"{m:%b %Y}", "series": label, "value": value}
        for m, n, f in p.commitments_by_month
        for label, value in ((made, n), (first, f))
    ]
    rows = [[f"{m:%B %Y}", f"{n:,}", f"{f:,}"] for m, n, f in p.commitments_by_month]
    return Chart(
        "commitments-over-time",
        "Commitments made, month by month",
        bars(
            "Commitments made each month, and the organisations and community groups making their first.",
            points,
            order=order,
            series=[made, first],
            y_title="Commitments",
            stacked=False,
        ),
        Table("Commitments made, month by month", ["Month", made, first], rows),
        drawn=bool(points),
    )
