"""What a conversation's analysis found, in the words the pages use (a view-model over the latest snapshot)."""

from __future__ import annotations

import string


def group_name(index: int) -> str:
    """The name pages, reports and exports give opinion group ``index`` (0-based): "Group A", "Group B", ...

    Pol.is names groups by letter too, so people who know it read ours the same way.
    """
    if index < 0:
        raise ValueError(f"An opinion group's index is 0 or more, not {index}")
    letters = string.ascii_uppercase
    name = ""
    n = index
    while True:
        name = letters[n % 26] + name
        n = n // 26 - 1
        if n < 0:
            return f"Group {name}"
