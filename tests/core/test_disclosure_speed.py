"""Publishing every table of a big conversation is quick: 50,000 people, 12 sectors, 40 organisations, 8 opinion
groups and 300 statements (about 28,000 linked cells), suppressed well under 100 ms of processor time."""

from __future__ import annotations

import time

import numpy as np

from commonweal.core.small_numbers import CellRef, Disclosure

PEOPLE, STATEMENTS, GROUPS, SECTORS, ORGANISATIONS = 50_000, 300, 8, 12, 40
VALUES = ("agree", "disagree", "pass")


def skewed(rng: np.random.Generator, k: int) -> np.ndarray:
    w = rng.pareto(1.2, k) + 0.002  # a few big categories and a long tail of small ones
    return w / w.sum()


def big_conversation(seed: int = 0) -> Disclosure:
    """Counts drawn as a real conversation would give them: people by sector and group, then for each statement
    the voters among them (fewer and fewer for later statements) and how they voted."""
    rng = np.random.default_rng(seed)
    sk = [f"sector {i}" for i in range(SECTORS)] + ["not said"]
    gk = [f"group {i}" for i in range(GROUPS)] + ["not in a group"]
    sg = rng.multinomial(PEOPLE, np.outer(skewed(rng, len(sk)), skewed(rng, len(gk))).ravel()).reshape(
        len(sk), -1
    )
    rate = 0.9 * np.exp(-np.arange(STATEMENTS) / 60) + 1e-5
    votes = rng.binomial(sg[None, :, :], rate[:, None, None])  # statement x sector x group
    agree = rng.binomial(votes, 0.5)
    disagree = rng.binomial(votes - agree, 0.7)
    by_value = np.stack([agree, disagree, votes - agree - disagree], -1)  # statement x sector x group x value

    d = Disclosure(5)
    everyone = d.total("participants", PEOPLE)
    sector = d.table("sector", dict(zip(sk, sg.sum(1).tolist(), strict=True)), total=everyone)
    group = d.table("group", dict(zip(gk, sg.sum(0).tolist(), strict=True)), total=everyone)
    organisations = [f"organisation {i}" for i in range(ORGANISATIONS)] + ["none"]
    org = rng.multinomial(PEOPLE, skewed(rng, len(organisations))).tolist()
    d.table("organisation", dict(zip(organisations, org, strict=True)), total=everyone)
    d.cross("sector by group", {(r, c): int(sg[i, j]) for i, r in enumerate(sk) for j, c in enumerate(gk)},
            rows=sector, cols=group)  # fmt: skip
    statements = [f"s{j}" for j in range(STATEMENTS)]
    all_votes = d.total("votes", int(votes.sum()))
    per = d.table("voters by statement", dict(zip(statements, votes.sum((1, 2)).tolist(), strict=True)),
                  total=all_votes, people=False)  # fmt: skip
    for dim, keys, ref, axis in (("sector", sk, sector, 2), ("group", gk, group, 1)):
        m = votes.sum(axis)  # statement x category
        cast = d.table(f"votes by {dim}", dict(zip(keys, m.sum(0).tolist(), strict=True)), total=all_votes,
                       people=False, describes=ref)  # fmt: skip
        d.cross(f"{dim} by statement", {(k, s): int(m[j, i]) for i, k in enumerate(keys) for j, s in enumerate(statements)},
                rows=cast, cols=per, within=ref)  # fmt: skip
    for j, s in enumerate(statements):
        values = d.table(f"votes on {s}", dict(zip(VALUES, by_value[j].sum((0, 1)).tolist(), strict=True)),
                         total=per[s], people=False)  # fmt: skip
        for dim, keys, axis in (("sector", sk, 1), ("group", gk, 0)):
            m = by_value[j].sum(axis)  # category x value
            rows = {k: CellRef(f"{dim} by statement", (k, s)) for k in keys}
            cells = {(k, v): int(m[i, x]) for i, k in enumerate(keys) for x, v in enumerate(VALUES)}
            d.cross(f"{dim} votes on {s}", cells, rows=rows, cols=values, people=False)
    return d


def test_publishing_a_big_conversation_takes_well_under_100_ms():
    d = big_conversation()
    timings = []
    for _ in range(3):
        start = time.process_time()
        published = d.publish()
        timings.append(time.process_time() - start)
    statuses = {c.status for t in ("sector by statement", "organisation") for c in published[t].rows}
    assert {"small", "hidden", "withheld", "shown"} <= statuses  # there was suppression to do
    assert min(timings) < 0.1, f"publishing took {min(timings) * 1000:.0f} ms"
