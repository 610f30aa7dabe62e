"""What the system map shows, as data: its filters, nodes, edges and the rows of its tables, with the legend and
the one-sentence summary. :mod:`.build` fills it; :mod:`.cytoscape` (the interactive map), the page's tables
and :mod:`.svg` (the image) render it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from commonweal.analysis.network import measures
from commonweal.core.small_numbers import fewer_than, threshold
from commonweal.network.map.style import (
    CHANGE_WORDS,
    COMMUNITY_LOOK,
    EDGE_COLOURS,
    EDGE_DASHES,
    SECTOR_LOOK,
    intensity_text,
    node_size,
    score_text,
    svg_points,
)
from commonweal.network.models import Interdependency, SurveyRound
from commonweal.systems.models import Sector, System

#: Systems with more organisations than this open on the ego view (one organisation and its partners), and hide
#: weak ties on the whole map unless asked: above about 15 organisations a map of every tie stops being readable
#: (the demo's 44 organisations have about 370 ties).
LARGE_SYSTEM = 15
#: A weak tie: awareness only (intensity below 2, cooperation).
STRONG_TIE = 2.0


@dataclass(frozen=True)
class MapFilters:
    """What the map shows: the round (None: the latest), a round to compare with, a sector, a place, which
    links ("relationships", "interdependencies" or "both"), the organisation in focus (``focus``; ``whole`` for
    the whole map; neither: the default for the system's size) and whether weak ties show (``ties``: "all" or
    "strong"; None: the default for the view)."""

    round: SurveyRound | None = None
    compare: SurveyRound | None = None
    sector: str | None = None
    place: int | None = None
    kind: str = "both"
    focus: int | None = None
    whole: bool = False
    ties: str | None = None

    @property
    def show_relationships(self) -> bool:
        return self.kind in ("relationships", "both")

    @property
    def show_interdependencies(self) -> bool:
        return self.kind in ("interdependencies", "both")


@dataclass
class MapNode:
    key: str  # "o<id>" for an organisation, "c<id>" for a community
    pk: int
    kind: str  # "organisation" or "community"
    name: str
    sector: str
    sector_label: str
    colour: str
    shape: str
    x: float
    y: float
    places: list[str] = field(default_factory=list)
    ties_out: int = 0
    ties_in: int = 0
    responded: bool = False
    received: measures.Received | None = None
    #: In focus (the ego view's organisation) or matching the sector and place filters: drawn with a halo.
    highlight: bool = False
    #: Where it is drawn, in the image's units (the layout fitted to the drawing area; :mod:`.labels`).
    at_x: float = 0.0
    at_y: float = 0.0
    #: Its name as drawn beside it (lines, the first line's baseline, text-anchor "middle"); no lines: the name
    #: did not fit without covering another, and is listed under the map instead.
    label_lines: list[str] = field(default_factory=list)
    label_x: float = 0.0
    label_y: float = 0.0

    @property
    def size(self) -> float:
        return node_size(self.ties_out + self.ties_in) if self.kind == "organisation" else 30.0


@dataclass
class MapEdge:
    key: str
    source: str
    target: str
    kind: str  # "relationship" or "interdependency"
    colour: str
    width: float
    label: str = ""
    change: str | None = None  # "new", "stronger", "weaker", "lost" (when comparing rounds)
    details: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""
    dashed: str = ""  # an SVG dash pattern ("" for a solid line)
    opacity: float = 1.0  # weak ties are drawn lighter
    #: An interdependency's label is drawn at (label_x, label_y) when :mod:`.labels` found room for it.
    label_shown: bool = False
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass(frozen=True)
class PairRow:
    """A pair of organisations with a tie either way: both directed intensities, never averaged."""

    a: str
    b: str
    a_rates_b: str
    b_rates_a: str
    asymmetric: bool


@dataclass(frozen=True)
class ChangeRow:
    change: str  # "New tie", "Stronger", ...
    rater: str
    partner: str
    before: str
    after: str


@dataclass
class MapData:
    system: System
    filters: MapFilters
    rounds: list[SurveyRound]
    round: SurveyRound | None
    compare: SurveyRound | None
    nodes: list[MapNode]
    edges: list[MapEdge]
    pairs: list[PairRow]
    interdependencies: list[Interdependency]
    change_rows: list[ChangeRow]
    change_sentences: list[str]
    n_organisations: int
    n_responded: int
    #: The organisation in focus (the ego view), or None for the whole map.
    ego: MapNode | None = None
    #: True when the ego view was chosen for the system's size, not asked for.
    ego_by_default: bool = False
    #: Weak ties (awareness only) are drawn.
    show_weak: bool = True
    #: The system has more than LARGE_SYSTEM organisations.
    large: bool = False

    @property
    def unlabelled(self) -> list[MapNode]:
        """The nodes whose names are not written on the drawing (no room without covering another), by name."""
        return sorted((n for n in self.nodes if not n.label_lines), key=lambda n: n.name)

    @property
    def highlighted(self) -> list[MapNode]:
        return [n for n in self.nodes if n.highlight]

    @property
    def organisations(self) -> list[MapNode]:
        return [n for n in self.nodes if n.kind == "organisation"]

    @property
    def relationship_edges(self) -> list[MapEdge]:
        return [e for e in self.edges if e.kind == "relationship"]

    @property
    def legend(self) -> list[dict[str, Any]]:
        """The sectors on the map (and communities, if any), each with its colour and shape."""
        present = {n.sector for n in self.nodes}
        rows = [
            {
                "sector": value,
                "label": str(label),
                "colour": SECTOR_LOOK[value][0],
                "shape": SECTOR_LOOK[value][1],
            }
            for value, label in Sector.choices
            if value in present
        ]
        if "community" in {n.kind for n in self.nodes}:
            rows.append(
                {"sector": "_community", "label": "Community", "colour": COMMUNITY_LOOK[0], "shape": "square"}
            )
        return rows

    @property
    def html_legend(self) -> list[dict[str, Any]]:
        """The legend's rows with each shape as SVG points for a 24-pixel drawing (the page's legend)."""
        return [{**row, "svg_points": svg_points(row["shape"], 10)} for row in self.legend]

    @property
    def edge_legend(self) -> list[dict[str, str]]:
        """The kinds of line on the map, each with its colour and dash pattern."""
        return [
            {**row, "colour": EDGE_COLOURS[row["kind"]], "dash": EDGE_DASHES.get(row["kind"], "")}
            for row in self._edge_legend_rows()
        ]

    def _edge_legend_rows(self) -> list[dict[str, str]]:
        rows = []
        if self.filters.show_relationships and self.round is not None:
            if self.compare is None:
                rows.append(
                    {
                        "kind": "relationship",
                        "label": "Relationship: the arrow points from the organisation that rated to the one "
                        "it rated; the thicker the line, the stronger (0 none to 4 integration)",
                    }
                )
            else:
                rows.append(
                    {"kind": "unchanged", "label": f"Tie in both {self.compare} and {self.round}, unchanged"}
                )
                for change in ("new", "stronger", "weaker", "lost"):
                    rows.append({"kind": change, "label": f"{CHANGE_WORDS[change]} since {self.compare}"})
        if self.filters.show_interdependencies:
            rows.append(
                {
                    "kind": "interdependency",
                    "label": "Interdependency (dashed, with what flows): from the part whose work affects to the "
                    "part that depends on it",
                }
            )
        return rows

    @property
    def summary(self) -> str:
        """One sentence on what the map shows: the image's description and the page's introduction."""
        n_org = len(self.organisations)
        if self.ego is not None:
            n = n_org - 1
            parts = [f"{self.ego.name} and its {n:,} partner{'s' if n != 1 else ''}"]
        elif self.highlighted:
            n = len(self.highlighted)
            parts = [
                f"{n:,} organisation{'s' if n != 1 else ''} matching the filters and their partners "
                f"({n_org:,} organisations)"
            ]
        else:
            parts = [f"{n_org:,} organisation{'s' if n_org != 1 else ''}"]
        if self.filters.show_relationships and self.round is not None:
            n = sum(1 for e in self.relationship_edges if e.change != "lost")
            parts.append(f"{n:,} tie{'s' if n != 1 else ''} from the survey round {self.round}")
        if self.filters.show_interdependencies:
            n = sum(1 for e in self.edges if e.kind == "interdependency")
            parts.append(f"{n:,} interdependenc{'ies' if n != 1 else 'y'}")
        text = "The map shows " + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
        if self.compare is not None and self.round is not None:
            counts = Counter(e.change for e in self.relationship_edges if e.change)
            text += (
                f", compared with {self.compare}: {counts['new']} new, {counts['stronger']} stronger, "
                f"{counts['weaker']} weaker and {counts['lost']} lost"
            )
        return text + "."


def highlight_text(data: MapData) -> str:
    """What the highlighted organisations are, for the legends."""
    if data.ego is not None:
        return f"Highlighted: the organisation in focus, {data.ego.name}; around it, its partners"
    return "Highlighted: the organisations that match the filters; the others are their partners"


def received_rows(received: measures.Received, *, you: bool = False) -> list[tuple[str, str]]:
    """How others rate an organisation (``you``: in the words its own lead reads). Trust and value medians need 5
    or more raters, so no single partner's answer can be read off (intensity is shown pair by pair on the map
    anyway)."""
    enough = received.n_raters >= threshold()
    it, receives = ("you", "you receive") if you else ("it", "it receives")
    hidden = f"Not shown: {fewer_than('organisations')} rated {it}"
    return [
        (f"Organisations that rate {it}", str(received.n_raters)),
        (
            f"Median intensity {receives}",
            intensity_text(received.intensity) if received.n_raters else f"Nobody rated {it}",
        ),
        (f"Median trust {receives}", score_text(received.trust) if enough else hidden),
        (f"Median value {receives}", score_text(received.value) if enough else hidden),
    ]
