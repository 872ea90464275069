"""What the ops app keeps in the database: which demo data each app has already loaded."""

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
