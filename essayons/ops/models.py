"""What the ops app keeps in the database: demo data loaded, periodic jobs' next runs."""

from __future__ import annotations

from django.db import models

from essayons.accounts.models import Business


class DemoSeed(models.Model):
    """One row per (demo business, app) once that app's `demo_create` has run.

    `demo_load` runs at every start; this row is what makes it load each app's demo once,
    including apps installed after the demo business was first created.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE)
    app_label = models.CharField(max_length=100)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "app_label"], name="one_demo_seed_per_app")
        ]

    def __str__(self) -> str:
        return f"{self.app_label} · {self.business}"


class PeriodicRun(models.Model):
    """When one periodic job (essayons/ops/periodic.py) is next due, shared by every clock.

    Whoever moves `next_at` forward by a conditional update enqueues the job; several
    schedulers running at once therefore enqueue each job once per period.
    """

    name = models.CharField(max_length=100, unique=True)
    next_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} → {self.next_at:%Y-%m-%d %H:%M}"
