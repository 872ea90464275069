"""The demo bakery's results page tells the article's campaign at first run."""

import pytest
from django.urls import reverse

from essayons.tracking.demo_sales import demo_sales_create
from essayons.tracking.models import AdSpend, Click, Order, Redemption

pytestmark = pytest.mark.django_db


def test_demo_results_state_the_scenario_and_run_once(business, owner, client_as):
    demo_sales_create(business=business, owner=owner)
    demo_sales_create(business=business, owner=owner)
    assert (
        AdSpend.objects.count() == 1
        and Order.objects.count() == 6
        and Redemption.objects.count() == 41
    )
    assert Click.objects.count() == 1730
    page = client_as(owner).get(reverse("tracking:results", args=[business.public_id]))
    text = (
        page.content.decode().replace("\u00a0", " ").replace("\u202f", " ").replace("&#x27;", "'")
    )
    assert (
        "Vos 500 € de publicité ont touché 150 000 personnes et rapporté 47 ventes mesurées "
        "(6 en ligne, 41 en boutique avec le code GALETTE27), soit 1 253,20 € de chiffre "
        "d'affaires : 2,51 € pour 1 € dépensé."
    ) in text
    assert "Facebook (23)" in text


def test_demo_after_the_measure_demo_reuses_its_campaign_link_and_code(business, owner, client_as):
    from essayons.tracking.demo_measure import demo_measure_create
    from essayons.tracking.models import Campaign, PromoCode, TrackedLink

    demo_measure_create(business=business, owner=owner)
    demo_sales_create(business=business, owner=owner)
    assert Campaign.objects.count() == 1 and TrackedLink.objects.count() == 1
    assert PromoCode.objects.get().uses == 41
    page = client_as(owner).get(reverse("tracking:results", args=[business.public_id]))
    text = page.content.decode().replace("\u00a0", " ").replace("\u202f", " ")
    assert "47 ventes mesurées (6 en ligne, 41 en boutique avec le code GALETTE27)" in text
