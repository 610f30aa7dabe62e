"""A web server process's memory: keeping Python's garbage collector off the long-lived objects.

Python's collector walks every object of the oldest generation on each full collection. A server process holds
hundreds of thousands of long-lived ones (modules, templates, settings, the engine's libraries, cached analysis
snapshots), so a full collection during a request added 150 to 200 ms to it: on the demo, one request in six of
the results page took 300 ms instead of 140 (benchmarks/README.md, "The demo's pages"). ``gc.freeze()`` moves the
objects alive at that moment to a permanent generation that collections skip; what becomes garbage later is still
collected as usual. ``commonweal serve`` freezes once the app is loaded, and each web process again after its 1st,
20th and 200th request (by then the libraries and templates a page needs are loaded and compiled).
"""

from __future__ import annotations

import gc
from typing import Any

#: After which of a process's requests the long-lived objects are frozen again.
FREEZE_AFTER = (1, 20, 200)


def freeze_long_lived() -> None:
    """Collect what is garbage now, then move every object still alive out of the collector's way."""
    gc.collect()
    gc.freeze()


def after_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    """gunicorn's ``post_request`` hook (its four arguments): freeze after the worker's requests listed in
    :data:`FREEZE_AFTER`."""
    count = getattr(worker, "commonweal_requests", 0) + 1
    worker.commonweal_requests = count
    if count in FREEZE_AFTER:
        freeze_long_lived()
