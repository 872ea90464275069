from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "essayons.tracking"
    verbose_name = _("Links, codes, orders and results")
