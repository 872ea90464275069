from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the install: one command to serve, backups, demo data."""

    name = "essayons.ops"
    verbose_name = "Operations"
