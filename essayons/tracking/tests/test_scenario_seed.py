"""The article's campaign (shared/scenarios/seed-campaign.md), fed as the owner would, told back.

Boulangerie Ti Pain: the Ads Manager export is uploaded through the import screens, the shop's
six orders arrive as signed WooCommerce webhooks, the cashier records GALETTE27 41 times and 23
"Facebook" answers at the till, 1,730 people follow the ad's tracked link (and robots, which must
not count). The results page must then state the scenario's figures and sentence exactly.
"""

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from freezegun import freeze_time

from essayons.accounts.models import Business, Membership, Trade, User
from essayons.accounts.roles import Role
from essayons.diagnostic.channels import Channel
from essayons.tracking.links_services import link_create
from essayons.tracking.models import (
    AdSpend,
    Campaign,
    Click,
    DeclaredSource,
    Medium,
    Order,
    Redemption,
    ShopPlatform,
)
from essayons.tracking.orders_services import shop_connection_create
from essayons.tracking.tests.sales_helpers import WOO_SECRET, post_woo, woo_body, woo_order
from essayons.tracking.till_services import code_create

NBSP, NNBSP = "\u00a0", "\u202f"
ADS_EXPORT = (
    "\ufeffNom de la campagne;Début des rapports;Fin des rapports;Montant dépensé (EUR);"
    "Couverture;Impressions;Clics sur un lien;Mentions J'aime sur la Page;Achats;Résultats;"
    "Indicateur de résultats;Coût par résultat\r\n"
    "Galette des rois;2027-01-04;2027-01-17;500,00;150000;412000;1900;800;6;800;"
    "actions:like;0,625\r\n"
)
ORDER_TOTALS = ["31.20", "24.00", "42.50", "18.90", "36.60", "34.00"]  # 187.20 €
HUMAN = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def plain(text: str) -> str:
    return text.replace(NBSP, " ").replace(NNBSP, " ")


@pytest.fixture
def ti_pain(db):
    business = Business.objects.create(
        name="Boulangerie Ti Pain",
        trade=Trade.BAKERY,
        town="Fort-de-France",
        timezone="America/Martinique",
        currency="EUR",
    )
    people = {}
    for role in (Role.OWNER, Role.CASHIER):
        user = User.objects.create_user(
            email=f"{role}@ti-pain.example", password="correct horse battery"
        )
        Membership.objects.create(user=user, business=business, role=role)
        people[role] = user
    return business, people[Role.OWNER], people[Role.CASHIER]


def _campaign_set_up(business):
    """What the owner prepared in Essayons before the ad: the campaign, its link, its code."""
    campaign = Campaign.objects.create(
        business=business,
        name="Galette des rois",
        slug="galette-des-rois",
        channel=Channel.FACEBOOK,
        starts_on=date(2027, 1, 4),
        ends_on=date(2027, 1, 17),
    )
    link = link_create(
        business=business,
        destination="https://boulangerie-ti-pain.example/galettes",
        channel=Channel.FACEBOOK,
        campaign=campaign,
        label="Publicité galette",
        medium=Medium.AD,
    )
    code_create(
        business=business,
        code="GALETTE27",
        campaign=campaign,
        description="-10 % en boutique",
        channel=Channel.FACEBOOK,
        valid_from=date(2027, 1, 4),
        valid_until=date(2027, 1, 31),
    )
    return campaign, link


def _ads_export_upload(owner_client, business):
    upload = SimpleUploadedFile(
        "Ti-Pain-Campagnes-4-janv-2027-17-janv-2027.csv", ADS_EXPORT.encode("utf-8")
    )
    answer = owner_client.post(
        reverse("tracking:import_upload", args=[business.public_id, "publicite"]), {"file": upload}
    )
    assert answer.status_code == 302, answer.content
    preview = owner_client.get(answer["Location"])
    page = plain(preview.content.decode())
    assert "Galette des rois" in page and "500,00 €" in page and "150 000" in page
    assert AdSpend.objects.count() == 0  # nothing before confirming
    mapping = {field: value for field, value in preview.context["form"].initial.items()}
    mapping.update({name: field.initial for name, field in preview.context["form"].fields.items()})
    confirmed = owner_client.post(
        answer["Location"],
        {**{k: v for k, v in mapping.items() if v is not None}, "action": "confirm"},
    )
    assert confirmed.status_code == 302, confirmed.content
    assert AdSpend.objects.count() == 1


def _orders_by_webhook(business, on_commit):
    from django.test import Client

    shop = shop_connection_create(
        business=business,
        platform=ShopPlatform.WOOCOMMERCE,
        label="boulangerie-ti-pain.example",
        secret=WOO_SECRET,
    )
    shop_client = Client()
    for number, total in enumerate(ORDER_TOTALS):
        placed = datetime(2027, 1, 5 + 2 * number, 15, 0, tzinfo=UTC)
        stamp = placed.strftime("%Y-%m-%dT%H:%M:%S")
        payload = woo_order(
            id=800 + number,
            number=str(800 + number),
            total=total,
            date_created_gmt=stamp,
            date_modified_gmt=stamp,
        )
        with on_commit():
            assert post_woo(shop_client, shop, woo_body(payload)).status_code == 200


def _till(cashier_client, business, frozen):
    """41 codes over the two weeks (baskets summing to 1 066,00 €), 23 « Facebook » answers."""
    redeem = reverse("tracking:till_redeem", args=[business.public_id])
    declare = reverse("tracking:till_declare", args=[business.public_id])
    baskets = [Decimal("26.00")] * 41
    for number, amount in enumerate(baskets):
        frozen.move_to(datetime(2027, 1, 4 + number % 14, 13, 0, tzinfo=UTC))
        answer = cashier_client.post(
            redeem,
            {
                "code": "galette27 " if number % 2 else "GALETTE27",
                "amount": f"{amount}".replace(".", ","),
                "client_key": str(uuid.uuid4()),
            },
        )
        assert answer.status_code == 200 and "GALETTE27" in answer.content.decode()
    for number in range(23):
        frozen.move_to(datetime(2027, 1, 4 + number % 14, 18, 0, tzinfo=UTC))
        assert (
            cashier_client.post(
                declare, {"source": "facebook", "client_key": str(uuid.uuid4())}
            ).status_code
            == 200
        )


def _clicks(link, frozen):
    """People follow the ad's short link; link previews and crawlers do too."""
    from django.test import Client

    visitor = Client()
    url = reverse("tracking:redirect", args=[link.code])
    for number in range(1730):
        frozen.move_to(datetime(2027, 1, 4, 12, 0, tzinfo=UTC) + timedelta(minutes=11 * number))
        assert visitor.get(url, HTTP_USER_AGENT=HUMAN).status_code == 302
    for _number in range(25):
        assert visitor.get(url, HTTP_USER_AGENT="facebookexternalhit/1.1").status_code == 302


@pytest.mark.django_db
def test_seed_campaign_is_told_back_with_the_scenarios_figures(
    ti_pain, client_as, django_capture_on_commit_callbacks
):
    business, owner, cashier = ti_pain
    with freeze_time("2027-01-03 12:00:00") as frozen:
        _campaign, link = _campaign_set_up(business)
        _ads_export_upload(client_as(owner), business)
        _orders_by_webhook(business, lambda: django_capture_on_commit_callbacks(execute=True))
        _till(client_as(cashier), business, frozen)
        _clicks(link, frozen)
        frozen.move_to("2027-01-20 12:00:00")
        assert Order.objects.count() == 6 and Redemption.objects.count() == 41
        assert (
            DeclaredSource.objects.count() == 23
            and Click.objects.filter(is_bot=False).count() == 1730
        )

        page = client_as(owner).get(reverse("tracking:results", args=[business.public_id]))
    assert page.status_code == 200
    html = page.content.decode()
    text = plain(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))

    sentence = (
        "Vos 500 € de publicité ont touché 150 000 personnes et rapporté 47 ventes mesurées "
        "(6 en ligne, 41 en boutique avec le code GALETTE27), soit 1 253,20 € de chiffre "
        "d'affaires : 2,51 € pour 1 € dépensé."
    )
    assert sentence in plain(html.replace("&#x27;", "'"))
    assert f"500,00{NBSP}€" in html and f"150{NNBSP}000" in html  # French typography, exactly
    for figure in [
        "500,00 €",
        "150 000",
        "800",
        "0,63 € par mention J'aime",
        "1 730",
        "Meta annonce 1 900 clics sur le lien (170 de plus que nous n'en avons mesuré)",
        "6 · 187,20 €",
        "83,33 € dépensés par vente en ligne",
        "41 · 1 066,00 €",
        "47",
        "10,64 € par client",
        "1 253,20 €",
        "2,51 € pour 1 € dépensé",
    ]:
        assert figure in text.replace("&#x27;", "'"), figure
    campaign_card = (
        text.split("Galette des rois", 1)[1].split("Toute l'entreprise")[0].replace("&#x27;", "'")
    )
    assert "Facebook (23)" in campaign_card  # declared, apart
    assert (
        "déclaré" in campaign_card
        and "mesuré" in campaign_card
        and "annoncé par le réseau" in campaign_card
    )
    assert "25 visites de robots" in text  # the robots left out are said, not counted
