"""Use cases of conversations, shared by the pages, the JSON API and the CLI.

``participation`` holds what participants do (join, about you, next statement, vote, add a statement);
``facilitation`` holds what facilitators and moderators do.
"""

from .facilitation import *  # noqa: F403
from .participation import *  # noqa: F403
