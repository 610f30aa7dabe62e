"""The system map's data for a system and its filters (:func:`build_map`): the organisations shown, at the
positions of :mod:`.layout`; the ties of the round shown, by intensity and direction, or what changed since the
round compared with; the interdependencies and the communities at their ends; and the rows of the page's tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from commonweal.analysis.network import measures
from commonweal.analysis.network.types import RoundNetwork, Tie
from commonweal.core.small_numbers import fewer_than, suppress_count
from commonweal.network.graph import round_network
from commonweal.network.map.data import (
    LARGE_SYSTEM,
    STRONG_TIE,
    ChangeRow,
    MapData,
    MapEdge,
    MapFilters,
    MapNode,
    PairRow,
)
from commonweal.network.map.labels import place_labels
from commonweal.network.map.layout import HEIGHT, WIDTH, ego_layout, layout
from commonweal.network.map.rounds import each_change, latest_round, rounds_of
from commonweal.network.map.style import (
    CHANGE_WORDS,
    COMMUNITY_LOOK,
    EDGE_COLOURS,
    EDGE_DASHES,
    SECTOR_LOOK,
    edge_opacity,
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


@dataclass
class _View:
    """Which organisations the map is about (``anchors``: the one in focus, or those matching the sector and
    place filters; None: every organisation) and which of the round's ties it draws."""

    anchors: set[int] | None
    ego: int | None
    ego_by_default: bool
    show_weak: bool
    ties: list[Tie]
    lost: list[measures.TieChange]

    def about(self, a: int, b: int) -> bool:
        """Whether a link between organisations ``a`` and ``b`` belongs on the map: every link on the whole map,
        else the links with an anchor at one end (not those between two partners, which would tangle it)."""
        return self.anchors is None or a in self.anchors or b in self.anchors


def build_map(system: System, filters: MapFilters) -> MapData:
    """The map of ``system`` for ``filters``: nodes with preset positions, edges, and the tables' rows."""
    rounds = rounds_of(system)
    current = filters.round or latest_round(rounds)
    compare = filters.compare if current is not None and filters.compare != current else None
    net = round_network(current) if current is not None else None
    before = round_network(compare) if compare is not None and net is not None else None
    changes = measures.compare(before, net) if before is not None and net is not None else None
    everyone, places = _organisation_nodes(system)
    large = len(everyone) > LARGE_SYSTEM
    view = _view(filters, everyone, places, net, changes, large=large)
    items = _interdependencies(system, view) if filters.show_interdependencies else []
    shown = _shown(everyone, places, filters, view, items)
    ours = _Relationships()
    if net is not None:
        ours = _relationships(net, changes, everyone, shown, view, filters)
    items = [
        i for i in items if all(pk in shown for pk in (i.from_organisation_id, i.to_organisation_id) if pk)
    ]
    communities = sorted(
        {c.pk: c for i in items for c in (i.from_community, i.to_community) if c is not None}.values(),
        key=lambda c: (c.name, c.pk),
    )
    ours.edges.extend(_interdependency_edges(items))
    community_nodes = [_community_node(c) for c in communities]
    nodes = [*shown.values(), *community_nodes]
    _position(system, nodes, view)
    for node in nodes:
        node.highlight = view.anchors is not None and node.kind == "organisation" and node.pk in view.anchors
    place_labels(nodes, ours.edges, first=view.ego)
    return MapData(
        system=system,
        filters=filters,
        rounds=rounds,
        round=current,
        compare=compare,
        nodes=nodes,
        edges=ours.edges,
        pairs=ours.pairs,
        interdependencies=items,
        change_rows=ours.change_rows,
        change_sentences=ours.change_sentences,
        n_organisations=len(everyone),
        n_responded=len(net.responded) if net is not None else 0,
        ego=shown.get(view.ego) if view.ego is not None else None,
        ego_by_default=view.ego_by_default,
        show_weak=view.show_weak,
        large=large,
    )


def _view(
    filters: MapFilters,
    everyone: dict[int, MapNode],
    places: dict[int, set[int]],
    net: RoundNetwork | None,
    changes: measures.RoundChange | None,
    *,
    large: bool,
) -> _View:
    """The view the filters ask for. A focus on an organisation is an ego view; with no focus, a large system
    opens on its organisation with the most partners, unless the whole map, a sector or a place is asked for.
    Weak ties show in the ego view and on small systems' maps, unless the filters say otherwise."""
    all_ties = (
        [t for t in net.ties if t.rater != t.partner and t.intensity >= measures.TIE_THRESHOLD] if net else []
    )
    ego: int | None = filters.focus if filters.focus in everyone else None
    by_default = False
    if ego is None and large and not (filters.whole or filters.sector or filters.place) and all_ties:
        ego, by_default = _most_connected(all_ties, everyone), True
    show_weak = filters.ties == "all" if filters.ties else (ego is not None or not large)
    ties = [t for t in all_ties if show_weak or t.intensity >= STRONG_TIE]
    lost = list(changes.lost) if changes is not None and filters.show_relationships else []
    anchors: set[int] | None = None
    if ego is not None:
        anchors = {ego}
    elif filters.sector or filters.place:
        anchors = {pk for pk, n in everyone.items() if _matches(n, places[pk], filters)}
    return _View(anchors, ego, by_default, show_weak, ties, lost)


def _most_connected(ties: list[Tie], everyone: dict[int, MapNode]) -> int:
    """The organisation with the most partners (a tie either way), the first by name of those tied."""
    partners: dict[int, set[int]] = {}
    for t in ties:
        partners.setdefault(t.rater, set()).add(t.partner)
        partners.setdefault(t.partner, set()).add(t.rater)
    return min(
        (pk for pk in partners if pk in everyone), key=lambda pk: (-len(partners[pk]), everyone[pk].name, pk)
    )


def _matches(node: MapNode, place_ids: set[int], filters: MapFilters) -> bool:
    return (not filters.sector or node.sector == filters.sector) and (
        not filters.place or filters.place in place_ids
    )


def _shown(
    everyone: dict[int, MapNode],
    places: dict[int, set[int]],
    filters: MapFilters,
    view: _View,
    items: list[Interdependency],
) -> dict[int, MapNode]:
    """The organisations on the map, by name: every one on the whole map; else the anchors and their partners
    (by the ties drawn, the lost ties when comparing and the interdependencies). In the ego view the sector and
    place filters narrow the partners."""
    if view.anchors is None:
        return dict(everyone)
    keep = set(view.anchors)
    pairs: list[tuple[int, int]] = []
    if filters.show_relationships:
        pairs += [(t.rater, t.partner) for t in view.ties] + [(c.rater, c.partner) for c in view.lost]
    pairs += [
        (i.from_organisation_id, i.to_organisation_id)
        for i in items
        if i.from_organisation_id and i.to_organisation_id
    ]  # noqa: E501
    for a, b in pairs:
        for one, other in ((a, b), (b, a)):
            partner = one in view.anchors and other in everyone
            if partner and (view.ego is None or _matches(everyone[other], places[other], filters)):
                keep.add(other)
    return {pk: n for pk, n in everyone.items() if pk in keep}


def _organisation_nodes(system: System) -> tuple[dict[int, MapNode], dict[int, set[int]]]:
    """Every organisation, by name (placed later), and the ids of the places each serves."""
    organisations = (
        Organisation.objects.filter(system=system).prefetch_related("places").order_by("name", "pk")
    )
    nodes: dict[int, MapNode] = {}
    places: dict[int, set[int]] = {}
    for o in organisations:
        colour, shape = SECTOR_LOOK.get(o.sector, SECTOR_LOOK[Sector.OTHER])
        nodes[o.pk] = MapNode(
            key=f"o{o.pk}",
            pk=o.pk,
            kind="organisation",
            name=o.name,
            sector=o.sector,
            sector_label=str(o.get_sector_display()),
            colour=colour,
            shape=shape,
            x=WIDTH / 2,
            y=HEIGHT / 2,
            places=sorted(p.name for p in o.places.all()),
        )
        places[o.pk] = {p.pk for p in o.places.all()}
    return nodes, places


def _community_node(c: Community) -> MapNode:
    return MapNode(
        key=f"c{c.pk}", pk=c.pk, kind="community", name=c.name, sector="_community",
        sector_label="Community", colour=COMMUNITY_LOOK[0], shape=COMMUNITY_LOOK[1], x=WIDTH / 2, y=HEIGHT / 2,
    )  # fmt: skip


def _position(system: System, nodes: list[MapNode], view: _View) -> None:
    """Each node's place: the stored whole map's layout, or around the organisation in focus (ego view)."""
    positions = layout(system)
    if view.ego is not None:
        centre = f"o{view.ego}"
        positions = ego_layout(centre, [n.key for n in nodes if n.key != centre], positions)
    for n in nodes:
        n.x, n.y = positions.get(n.key, (WIDTH / 2, HEIGHT / 2))


def _relationships(
    net: RoundNetwork,
    changes: measures.RoundChange | None,
    everyone: dict[int, MapNode],
    shown: dict[int, MapNode],
    view: _View,
    filters: MapFilters,
) -> _Relationships:
    """Count each organisation's ties in the round (all of them, whatever the view); with relationships shown,
    draw the view's ties (and what changed since the round compared with)."""
    summary = measures.summarise(net)
    for pk, node in everyone.items():
        node.responded = pk in net.responded
        node.received = summary.received.get(pk)
    for t in net.ties:
        both = t.rater in everyone and t.partner in everyone
        if both and t.rater != t.partner and t.intensity >= measures.TIE_THRESHOLD:
            everyone[t.rater].ties_out += 1
            everyone[t.partner].ties_in += 1
    ours = _Relationships()
    if not filters.show_relationships:
        return ours
    names = {pk: n.name for pk, n in everyone.items()}
    ties = [
        t for t in view.ties if t.rater in shown and t.partner in shown and view.about(t.rater, t.partner)
    ]
    # On the whole map of a large system every line is lighter still, so the organisations stay visible.
    fade = 0.6 if view.anchors is None and len(everyone) > LARGE_SYSTEM else 1.0
    ours.edges.extend(_relationship_edges(net, ties, names, changes, fade))
    if changes is not None:
        lost = [
            c for c in view.lost if c.rater in shown and c.partner in shown and view.about(c.rater, c.partner)
        ]
        ours.edges.extend(_lost_edges(lost, changes, names))
        ours.change_rows = _change_rows(
            changes, names, lambda a, b: a in shown and b in shown and view.about(a, b)
        )
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
    fade: float = 1.0,
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
                opacity=1.0 if kind else round(edge_opacity(t.intensity) * fade, 2),
                label=CHANGE_WORDS[kind].lower() if kind else "",
                change=kind,
                dashed=dashed,
                details=details,
                title=f"How {names[t.rater]} rates {names[t.partner]}",
            )
        )
    return edges


def _lost_edges(
    lost: list[measures.TieChange], changes: measures.RoundChange, names: dict[int, str]
) -> list[MapEdge]:
    edges = []
    for c in lost:
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


def _change_rows(
    changes: measures.RoundChange, names: dict[int, str], keep: Callable[[int, int], bool]
) -> list[ChangeRow]:
    return [
        ChangeRow(
            CHANGE_WORDS[kind],
            names[c.rater],
            names[c.partner],
            intensity_text(c.before),
            intensity_text(c.after),
        )
        for kind, c in each_change(changes)
        if c.rater in names and c.partner in names and keep(c.rater, c.partner)
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


def _interdependencies(system: System, view: _View) -> list[Interdependency]:
    """The interdependencies the view is about: all of them on the whole map, else those with an anchor at an
    end (the map keeps those whose organisation ends are all shown)."""
    items = Interdependency.objects.filter(system=system).select_related(
        "from_organisation", "from_community", "to_organisation", "to_community"
    )
    return [
        i
        for i in items
        if view.anchors is None
        or i.from_organisation_id in view.anchors
        or i.to_organisation_id in view.anchors
    ]


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
