"""Background work for the results: keeping the daily rollups folded (see results_rollups)."""

from __future__ import annotations

from django_tasks import task

from essayons.tracking.results_rollups import rollups_rebuild, rollups_refresh


@task()
def rollups_refresh_task() -> str:
    """Fold what is old enough; meant to run every few minutes (the results page also calls it)."""
    rollups_refresh()
    return "ok"


@task()
def rollups_rebuild_task() -> str:
    """Recount every rollup from the raw rows (after a repair or a manual change in the database)."""
    rollups_rebuild()
    return "ok"
