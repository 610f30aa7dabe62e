"""The analysis worker's part of ``/healthz``: its heartbeat, and whether conversations wait for it.

``core`` asks every app for its health checks through the app registry (``ConversationsConfig.health_checks``);
this is the conversations app's answer.
"""

from __future__ import annotations

from dataclasses import replace

from commonweal.conversations.jobs.heartbeat import worker_health
from commonweal.conversations.jobs.worker import _pending_conversations
from commonweal.core.health import HealthCheck

__all__ = ["worker_health_check"]


def worker_health_check() -> HealthCheck:
    """``worker``: ok, stale or absent; unhealthy when no worker is alive while conversations wait for one."""
    health = worker_health()
    if health.state != "ok":
        # Counted only when no worker is alive: a stale worker matters when votes wait for it.
        health = replace(health, waiting=len(_pending_conversations()))
    report = health.as_json()
    if health.healthy:
        return HealthCheck("worker", report)
    if health.state == "stale":
        problem = (
            f"The analysis worker has not reported for {health.age_seconds:.0f} s while {health.waiting} "
            "conversation(s) wait for their results to be updated: check the worker (`commonweal serve` restarts "
            "its embedded worker; a separate `commonweal worker` needs its service restarted) and its log."
        )
    else:
        problem = (
            f"No analysis worker is running while {health.waiting} conversation(s) wait for their results to be "
            "updated: start `commonweal worker` (or serve with COMMONWEAL_WORKER=embedded)."
        )
    return HealthCheck("worker", report, healthy=False, code=f"worker_{health.state}", problem=problem)
