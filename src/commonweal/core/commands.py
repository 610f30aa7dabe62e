"""What the apps' parts of the ``commonweal`` command share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def with_django(
    setup: Callable[[], object], run: Callable[[argparse.Namespace], int]
) -> Callable[[argparse.Namespace, Any], int]:
    """A sub-command that sets Django up (``setup``, given by the ``commonweal`` command) before ``run(args)``:
    Django starts only for the sub-commands that need it, so ``commonweal --help`` stays quick."""

    def command(args: argparse.Namespace, rest: Any) -> int:
        setup()
        return int(run(args))

    return command
