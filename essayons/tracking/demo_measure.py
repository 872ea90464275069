"""Demo data for links and codes: the "Galette des rois" campaign of Boulangerie Ti Pain.

Called by the tracking app's demo.py (the demo contract in essayons/ops/demo.py).
"""

from __future__ import annotations

from datetime import date

from essayons.accounts.models import Business, User
from essayons.diagnostic.channels import Channel
from essayons.tracking.links_services import link_create
from essayons.tracking.models import Campaign, Medium
from essayons.tracking.till_services import code_create


def demo_measure_create(*, business: Business, owner: User) -> None:
    """A campaign with its ad's tracked link and the code GALETTE27 (multi-use).

    The code has no start date so that the demo till accepts it today.
    """
    campaign = Campaign.objects.create(
        business=business,
        name="Galette des rois",
        slug="galette-des-rois",
        channel=Channel.FACEBOOK,
        starts_on=date(2027, 1, 4),
        ends_on=date(2027, 1, 17),
    )
    link_create(
        business=business,
        destination="https://boulangerie-ti-pain.example/galettes",
        channel=Channel.FACEBOOK,
        campaign=campaign,
        label="Publicité Facebook — galette",
        medium=Medium.AD,
    )
    code_create(
        business=business,
        code="GALETTE27",
        campaign=campaign,
        description="-10 % en boutique",
        channel=Channel.FACEBOOK,
        valid_until=date(2027, 1, 31),
    )
