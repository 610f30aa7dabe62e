"""A community's page, read-only: the community groups that speak for it (with their ties in the latest survey
round), the interdependencies that run to or from it, the accepted assets that serve it, and how many of its
people took part in each conversation that asked (each count read from that conversation's one publication, so
it is suppressed exactly as everywhere else)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from commonweal.communities.models import Asset, Status
from commonweal.conversations.disclosure import conversation_publication
from commonweal.conversations.models import Conversation
from commonweal.conversations.queries import latest_snapshot
from commonweal.core.errors import NotFound
from commonweal.core.small_numbers import Cell, threshold
from commonweal.network.graph import round_network
from commonweal.network.map.rounds import latest_round, rounds_of
from commonweal.network.models import Interdependency
from commonweal.systems.models import Community, Organisation, System


def get_community(system: System, community_id: int) -> Community:
    found = Community.objects.filter(system=system, pk=community_id).first()
    if found is None:
        raise NotFound("That community is not in this system. Go back to the list of communities.")
    return found


@dataclass(frozen=True)
class GroupRow:
    """A community group of the community, with its ties in the latest survey round (None: no round yet)."""

    group: Organisation
    answered: bool
    partners_named: int | None  # organisations the group rates 1 or more
    named_by: int | None  # organisations that rate the group 1 or more


@dataclass(frozen=True)
class TakingPart:
    """People of the community who took part in one conversation, as its publication shows them."""

    conversation: Conversation
    cell: Cell


@dataclass
class CommunityPage:
    community: Community
    groups: list[GroupRow] = field(default_factory=list)
    round_name: str = ""
    interdependencies: list[Interdependency] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    taking_part: list[TakingPart] = field(default_factory=list)


def _groups(community: Community) -> tuple[list[GroupRow], str]:
    groups = list(Organisation.objects.filter(community=community).order_by("name"))
    current = latest_round(rounds_of(community.system)) if groups else None
    if current is None:
        return [GroupRow(g, False, None, None) for g in groups], ""
    net = round_network(current)
    rows = []
    for g in groups:
        out = {t.partner for t in net.ties if t.rater == g.pk and t.intensity >= 1}
        in_ = {t.rater for t in net.ties if t.partner == g.pk and t.intensity >= 1}
        rows.append(GroupRow(g, g.pk in net.responded, len(out), len(in_)))
    return rows, current.name


def _taking_part(community: Community) -> list[TakingPart]:
    out = []
    conversations = Conversation.objects.filter(system=community.system, ask_community=True).exclude(
        status=Conversation.Status.DRAFT
    )
    for c in conversations.order_by("-created_at"):
        numbers = conversation_publication(c, latest_snapshot(c, defer=("state", "priorities")))
        if numbers.participants < threshold():
            # Too few people in the whole conversation for any breakdown: the publication withholds it.
            cell = Cell(community.name, None, withheld=True)
        else:
            found = numbers.table("community").cells.get(community.pk)
            if found is None:
                continue
            cell = found
        out.append(TakingPart(c, cell))
    return out


def community_page(community: Community) -> CommunityPage:
    groups, round_name = _groups(community)
    interdependencies = list(
        Interdependency.objects.filter(Q(from_community=community) | Q(to_community=community))
        .select_related("from_organisation", "to_organisation", "from_community", "to_community")
        .order_by("pk")
    )
    assets = list(
        Asset.objects.filter(system=community.system, communities=community, status=Status.ACCEPTED).order_by(
            "name"
        )
    )
    return CommunityPage(
        community=community,
        groups=groups,
        round_name=round_name,
        interdependencies=interdependencies,
        assets=assets,
        taking_part=_taking_part(community),
    )


def other_end(dependency: Interdependency, community: Community) -> Any:
    """The organisation (or community) at the other end of ``dependency`` from ``community``."""
    if dependency.from_community_id == community.pk:
        return dependency.to_organisation or dependency.to_community
    return dependency.from_organisation or dependency.from_community
