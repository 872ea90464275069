from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from essayons.ops.demo import demo_load


class Command(BaseCommand):
    help = "Create the demo business and its data once; print the demo login. Safe to re-run."

    def handle(self, *args: Any, **options: Any) -> None:
        login = demo_load()
        self.stdout.write(
            _("Demo login: e-mail %(email)s — password %(password)s")
            % {"email": login.email, "password": login.password}
        )
