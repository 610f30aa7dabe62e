"""Why a part of the results is empty or single, in words, from the engine's stable reason codes.

The engine names each output it could not compute in full (``AnalysisResult.reasons``: docs/analysis.md,
"Degenerate conversations"), and the snapshot keeps them (:attr:`StoredResult.reasons`). The results page, "where
you stand" and the board report say why with :func:`why`: one translated sentence per code, the same everywhere.
A code this version does not know is said plainly as not explained, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

__all__ = ["MESSAGES", "why"]

#: One sentence per reason code, for a facilitator, a participant or a board alike.
MESSAGES = {
    "no_votes": _("Nobody has voted yet, so there is nothing to analyse."),
    "one_participant": _(
        "Only one person has voted on enough statements to be placed, so there is a single group of one."
    ),
    "no_differences": _(
        "Everyone placed so far voted alike, so there is a single group: there are no differences yet to tell "
        "groups apart."
    ),
    "all_statements_excluded": _(
        "Every statement with votes has been rejected or marked as about the conversation itself, so no "
        "statement can tell groups apart or be common ground."
    ),
    "too_few_voters": _(
        "No opinion group or declared sector has had enough people vote on a statement for it to be judged yet "
        "(at least 5 are needed). This often changes as more people vote."
    ),
    "fewer_than_two_groups": _(
        "There is only one opinion group so far, so no statement can divide the groups."
    ),
    "no_eligible_statements": _(
        "No statement that could be common ground or divide the groups has votes yet: the statements with votes "
        "are rejected or about the conversation itself."
    ),
    "one_group_found": _(
        "The analysis found a single group: people's votes do not yet split into distinct groups."
    ),
    "no_variance": _(
        "Everyone's votes are the same so far, so the opinion map has nothing to spread people out by."
    ),
    "one_direction": _(
        "People differ in only one way so far, so the opinion map spreads them along one line."
    ),
    "not_requested": _("Group stability was not measured in this analysis."),
}


def why(reasons: Mapping[str, str] | None, output: str) -> str:
    """Why ``output`` (``groups``, ``common_ground``, ``divisive``, ``group_stability``, ``pca``, ``bridging``)
    is missing, empty or single, in words; "" when the engine gave no reason (the output is complete)."""
    code = (reasons or {}).get(output)
    if not code:
        return ""
    message = MESSAGES.get(code)
    if message is None:
        return str(
            _("The analysis gave a reason this version cannot put in words (%(code)s).") % {"code": code}
        )
    return str(message)
