"""The system map's data for a system and its filters (:func:`build_map`): the organisations shown, at the
positions of :mod:`.layout`; the ties of the round shown, by intensity and direction, or what changed since the
round compared with; the interdependencies and the communities at their ends; and the rows of the page's tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from commonweal.analysis.network import measures
from commonweal.analysis.network.types import RoundNetwork, Tie
from commonweal.core.small_numbers import fewer_than, suppress_count
from commonweal.network.graph import round_network
from commonweal.network.map.data import ChangeRow, MapData, MapEdge, MapFilters, MapNode, PairRow
from commonweal.network.map.layout import HEIGHT, WIDTH, layout
from commonweal.network.map.rounds import each_change, latest_round, rounds_of
from commonweal.network.map.style import (
    CHANGE_WORDS,
    COMMUNITY_LOOK,
    EDGE_COLOURS,
    EDGE_DASHES,
    SECTOR_LOOK,
    edge_width,
    intensity_text,
    score_text,
)
from commonweal.network.models import Interdependency
from commonweal.systems.models import Community, Organisation, Sector, System

Positions = dict[str, tuple[float, float]]


@dataclass
class _Relationships:
    """The round's part of the map: its ties as edges, the pairs' table and, when comparing, the changes."""

    edges: list[MapEdge] = field(default_factory=list)
    pairs: list[PairRow] = field(default_factory=list)
    change_rows: list[ChangeRow] = field(default_factory=list)
    change_sentences: list[str] = field(default_factory=list)


def build_map(system: System, filters: MapFilters) -> MapData:
    """The map of ``system`` for ``filters``: nodes with preset positions, edges, and the tables' rows."""
    rounds = rounds_of(system)
    current = filters.round or latest_round(rounds)
    compare = filters.compare if current is not None and filters.compare != current else None
    positions = layout(system)
    shown = _organisation_nodes(system, filters, positions)
    net = round_network(current) if current is not None else None
    ours = _Relationships()
    if net is not None:
        before = round_network(compare) if compare is not None else None
        ours = _relationships(net, before, shown, filters)
    items: list[Interdependency] = []
    community_nodes: list[MapNode] = []
    if filters.show_interdependencies:
        items, communities = _interdependencies(system, shown)
        community_nodes = [_community_node(c, positions) for c in communities]
        ours.edges.extend(_interdependency_edges(items))
    return MapData(
        system=system,
        filters=filters,
        rounds=rounds,
        round=current,
        compare=compare,
        nodes=[*shown.values(), *community_nodes],
        edges=ours.edges,
        pairs=ours.pairs,
        interdependencies=items,
        change_rows=ours.change_rows,
        change_sentences=ours.change_sentences,
        n_organisations=len(net.nodes)
        if net is not None
        else Organisation.objects.filter(system=system).count(),
        n_responded=len(net.responded) if net is not None else 0,
    )


def _organisation_nodes(system: System, filters: MapFilters, positions: Positions) -> dict[int, MapNode]:
    """The organisations the filters keep, by name, each at its place in the layout."""
    organisations = (
        Organisation.objects.filter(system=system).prefetch_related("places").order_by("name", "pk")
    )
    if filters.sector:
        organisations = organisations.filter(sector=filters.sector)
    if filters.place:
        organisations = organisations.filter(places__pk=filters.place)
    shown: dict[int, MapNode] = {}
    for o in organisations.distinct():
        colour, shape = SECTOR_LOOK.get(o.sector, SECTOR_LOOK[Sector.OTHER])
        x, y = positions.get(f"o{o.pk}", (WIDTH / 2, HEIGHT / 2))
        shown[o.pk] = MapNode(
            key=f"o{o.pk}",
            pk=o.pk,
            kind="organisation",
            name=o.name,
            sector=o.sector,
            sector_label=str(o.get_sector_display()),
            colour=colour,
            shape=shape,
            x=x,
            y=y,
            places=sorted(p.name for p in o.places.all()),
        )
    return shown


def _community_node(c: Community, positions: Positions) -> MapNode:
    x, y = positions.get(f"c{c.pk}", (WIDTH / 2, HEIGHT / 2))
    return MapNode(
        key=f"c{c.pk}", pk=c.pk, kind="community", name=c.name, sector="_community",
        sector_label="Community", colour=COMMUNITY_LOOK[0], shape=COMMUNITY_LOOK[1], x=x, y=y,
    )  # fmt: skip


def _relationships(
    net: RoundNetwork, before: RoundNetwork | None, shown: dict[int, MapNode], filters: MapFilters
) -> _Relationships:
    """Count each shown organisation's ties in the round; with relationships shown, draw them (and what changed
    since ``before``)."""
    summary = measures.summarise(net)
    for pk, node in shown.items():
        node.responded = pk in net.responded
        node.received = summary.received.get(pk)
    ties = [t for t in net.ties if t.rater in shown and t.partner in shown and t.rater != t.partner]
    for t in ties:
        if t.intensity >= measures.TIE_THRESHOLD:
            shown[t.rater].ties_out += 1
            shown[t.partner].ties_in += 1
    ours = _Relationships()
    if not filters.show_relationships:
        return ours
    names = {pk: n.name for pk, n in shown.items()}
    changes = measures.compare(before, net) if before is not None else None
    ours.edges.extend(_relationship_edges(net, ties, names, changes))
    if changes is not None:
        ours.edges.extend(_lost_edges(changes, shown, names))
        ours.change_rows = _change_rows(changes, names)
        ours.change_sentences = list(changes.sentences().values())
    ours.pairs = _pairs(net, summary, ties, names)
    return ours


def _change_index(changes: measures.RoundChange) -> dict[tuple[int, int], tuple[str, measures.TieChange]]:
    return {(c.rater, c.partner): (kind, c) for kind, c in each_change(changes)}


def _tie_details(t: Tie, names: dict[int, str], reverse: str) -> list[tuple[str, str]]:
    respondents = suppress_count(t.respondents)
    return [
        ("Intensity", intensity_text(t.intensity)),
        (f"How {names[t.partner]} rates {names[t.rater]}", reverse),
        ("Trust (mean of the three items)", score_text(t.trust)),
        ("Value (mean of the three items)", score_text(t.value)),
        ("Respondents combined", fewer_than() if respondents is None else str(respondents)),
    ]


def _reverse_text(
    net: RoundNetwork, rater: int, partner: int, intensity: dict[tuple[int, int], float]
) -> str:
    if partner not in net.responded:
        return "Did not answer this round"
    return intensity_text(intensity.get((partner, rater), 0.0))


def _relationship_edges(
    net: RoundNetwork,
    ties: list[Tie],
    names: dict[int, str],
    changes: measures.RoundChange | None,
) -> list[MapEdge]:
    intensity = {(t.rater, t.partner): t.intensity for t in net.ties}
    index = _change_index(changes) if changes is not None else {}
    edges = []
    for t in ties:
        if t.intensity < measures.TIE_THRESHOLD:
            continue
        kind, change = index.get((t.rater, t.partner), (None, None))
        details = _tie_details(t, names, _reverse_text(net, t.rater, t.partner, intensity))
        if change is not None and kind is not None:
            details.append((f"In {changes.before_name}", intensity_text(change.before)))  # type: ignore[union-attr]
            details.append(("Change", CHANGE_WORDS[kind]))
        colour = (
            EDGE_COLOURS[kind]
            if kind
            else EDGE_COLOURS["unchanged" if changes is not None else "relationship"]
        )
        dashed = EDGE_DASHES.get(kind or "", "")
        edges.append(
            MapEdge(
                key=f"r{t.rater}-{t.partner}",
                source=f"o{t.rater}",
                target=f"o{t.partner}",
                kind="relationship",
                colour=colour,
                width=edge_width(t.intensity),
                label=CHANGE_WORDS[kind].lower() if kind else "",
                change=kind,
                dashed=dashed,
                details=details,
                title=f"How {names[t.rater]} rates {names[t.partner]}",
            )
        )
    return edges


def _lost_edges(
    changes: measures.RoundChange, shown: dict[int, MapNode], names: dict[int, str]
) -> list[MapEdge]:
    edges = []
    for c in changes.lost:
        if c.rater not in shown or c.partner not in shown:
            continue
        edges.append(
            MapEdge(
                key=f"l{c.rater}-{c.partner}",
                source=f"o{c.rater}",
                target=f"o{c.partner}",
                kind="relationship",
                colour=EDGE_COLOURS["lost"],
                width=edge_width(c.before),
                label="lost tie",
                change="lost",
                dashed=EDGE_DASHES["lost"],
                details=[
                    (f"In {changes.before_name}", intensity_text(c.before)),
                    (f"In {changes.after_name}", intensity_text(c.after)),
                    ("Change", CHANGE_WORDS["lost"]),
                ],
                title=f"How {names[c.rater]} rated {names[c.partner]}",
            )
        )
    return edges


def _change_rows(changes: measures.RoundChange, names: dict[int, str]) -> list[ChangeRow]:
    return [
        ChangeRow(
            CHANGE_WORDS[kind],
            names[c.rater],
            names[c.partner],
            intensity_text(c.before),
            intensity_text(c.after),
        )
        for kind, c in each_change(changes)
        if c.rater in names and c.partner in names
    ]


def _pairs(
    net: RoundNetwork, summary: measures.NetworkMeasures, ties: list[Tie], names: dict[int, str]
) -> list[PairRow]:
    intensity = {(t.rater, t.partner): t.intensity for t in net.ties}
    flagged = {(a.a, a.b) for a in summary.asymmetric}
    seen: set[tuple[int, int]] = set()
    rows = []
    for t in ties:
        if t.intensity < measures.TIE_THRESHOLD:
            continue
        a, b = sorted((t.rater, t.partner), key=lambda pk: (names[pk], pk))
        key = (min(a, b), max(a, b))
        if key in seen:
            continue
        seen.add(key)
        ab = intensity_text(intensity.get((a, b), 0.0)) if a in net.responded else "Did not answer this round"
        ba = intensity_text(intensity.get((b, a), 0.0)) if b in net.responded else "Did not answer this round"
        rows.append(PairRow(names[a], names[b], ab, ba, key in flagged))
    return sorted(rows, key=lambda r: (r.a, r.b))


def _interdependencies(
    system: System, shown: dict[int, MapNode]
) -> tuple[list[Interdependency], list[Community]]:
    """Interdependencies whose organisation ends are all on the map, and the communities at their other end."""
    items = []
    communities: dict[int, Community] = {}
    for item in Interdependency.objects.filter(system=system).select_related(
        "from_organisation", "from_community", "to_organisation", "to_community"
    ):
        ends_ok = all(pk in shown for pk in (item.from_organisation_id, item.to_organisation_id) if pk)
        if not ends_ok:
            continue
        items.append(item)
        for c in (item.from_community, item.to_community):
            if c is not None:
                communities[c.pk] = c
    return items, sorted(communities.values(), key=lambda c: c.name)


def _interdependency_edges(items: list[Interdependency]) -> list[MapEdge]:
    edges = []
    for item in items:
        source = (
            f"o{item.from_organisation_id}" if item.from_organisation_id else f"c{item.from_community_id}"
        )
        target = f"o{item.to_organisation_id}" if item.to_organisation_id else f"c{item.to_community_id}"
        kind = str(item.get_kind_display())
        strength = str(item.get_strength_display())
        edges.append(
            MapEdge(
                key=f"i{item.pk}",
                source=source,
                target=target,
                kind="interdependency",
                colour=EDGE_COLOURS["interdependency"],
                width={"low": 2.0, "medium": 3.5, "high": 5.0}.get(item.strength, 3.0),
                label=kind.lower(),
                dashed=EDGE_DASHES["interdependency"],
                details=[
                    ("What flows", kind),
                    ("Strength", strength),
                    ("Description", item.description),
                    ("Evidence", item.evidence or "None recorded"),
                ],
                title=f"{item.source} affects {item.target} ({kind.lower()})",
            )
        )
    return edges
