"""Retention, once a day, from the analysis worker's loop.

The worker calls :meth:`RetentionSchedule.run_if_due` before each pass (every quarter of a second). It asks the
database at most every ``check_every`` (ten minutes): when no retention run started in the last day, it claims
the run (one conditional update, so of several workers on one database one runs it) and erases what is due
(:func:`commonweal.conversations.rights.actions.do_retention`). The last run's time is in the database
(:class:`~commonweal.conversations.models.RetentionRun`), so a restarted worker neither runs it again early nor
forgets it. Not a job queue of its own: the project has none besides the worker (see docs/data-rights.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils import timezone

from commonweal.conversations.rights.actions import RetentionReport, claim_retention_run, do_retention

__all__ = ["RetentionSchedule"]

logger = logging.getLogger(__name__)


class RetentionSchedule:
    """Runs retention at most once every ``every`` (a day), looking at most every ``check_every``.

    Parameters
    ----------
    now : callable
        The wall clock (``django.utils.timezone.now``); tests pass a fake one.
    every : timedelta
        The least time between two runs.
    check_every : timedelta
        The least time between two looks at the database.
    """

    def __init__(
        self,
        *,
        now: Callable[[], datetime] = timezone.now,
        every: timedelta = timedelta(days=1),
        check_every: timedelta = timedelta(minutes=10),
    ) -> None:
        self.now = now
        self.every = every
        self.check_every = check_every
        self.next_check: datetime | None = None

    def run_if_due(self) -> RetentionReport | None:
        """Run retention when a day has passed since the last run (by any worker); the report, or None when it
        was not due. A failure is logged and not raised: the analysis goes on, and the run is tried again the
        next day (the claim records its start)."""
        now = self.now()
        if self.next_check is not None and now < self.next_check:
            return None
        self.next_check = now + self.check_every
        try:
            if not claim_retention_run(now, every=self.every):
                return None
            report = do_retention(now=now)
        except Exception:  # noqa: BLE001 - logged; the worker's analyses must go on
            logger.exception("retention: the daily run failed; it is tried again tomorrow")
            return None
        if report.due:
            logger.info(
                "retention: erased the participant data of %s closed conversation(s): %s",
                len(report.due),
                ", ".join(d.conversation.slug for d in report.due),
            )
        return report
