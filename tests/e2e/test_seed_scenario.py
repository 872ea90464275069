"""The article's campaign end to end in Chromium (shared/scenarios/seed-campaign.md).

The owner imports the Ads Manager export through the browser, the shop's six orders arrive as
signed WooCommerce webhooks on the live server, the cashier records GALETTE27 41 times and 23
« Facebook » answers on a phone, 1,730 people have followed the ad's link; the results page then
states the scenario's figures and sentence. Dates are the last two weeks, so the till accepts the
taps as they happen.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from essayons.accounts.models import Business, Membership, Trade, User
from essayons.accounts.roles import Role
from essayons.diagnostic.channels import Channel
from essayons.lib import http
from essayons.tracking.links_services import link_create
from essayons.tracking.models import (
    AdSpend,
    Campaign,
    Click,
    Medium,
    Order,
    Redemption,
    ShopPlatform,
)
from essayons.tracking.orders_services import shop_connection_create
from essayons.tracking.tests.sales_helpers import WOO_SECRET, sign, woo_body, woo_order
from essayons.tracking.till_services import code_create
from tests.e2e.conftest import log_in, screenshot

ORDER_TOTALS = ["31.20", "24.00", "42.50", "18.90", "36.60", "34.00"]  # 187,20 €
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
)


def _bakery():
    business = Business.objects.create(
        name="Boulangerie Ti Pain",
        trade=Trade.BAKERY,
        town="Fort-de-France",
        timezone="America/Martinique",
        currency="EUR",
    )
    people = []
    for email, role in (
        ("patronne@ti-pain.test", Role.OWNER),
        ("caisse@ti-pain.test", Role.CASHIER),
    ):
        user = User.objects.create_user(
            email=email, password="correct horse battery", display_name=email[:4]
        )
        Membership.objects.create(user=user, business=business, role=role)
        people.append(user)
    today = datetime.now(ZoneInfo(business.timezone)).date()
    campaign = Campaign.objects.create(
        business=business,
        name="Galette des rois",
        slug="galette-des-rois",
        channel=Channel.FACEBOOK,
        starts_on=today - timedelta(days=13),
        ends_on=today,
    )
    link = link_create(
        business=business,
        destination="https://boulangerie-ti-pain.example/galettes",
        channel=Channel.FACEBOOK,
        campaign=campaign,
        medium=Medium.AD,
    )
    code_create(
        business=business,
        code="GALETTE27",
        campaign=campaign,
        description="-10 % en boutique",
        valid_from=campaign.starts_on,
        valid_until=campaign.ends_on,
    )
    return business, campaign, link, *people


def _import_ads_export(page, business, campaign):
    export = (
        "\ufeffNom de la campagne;Début des rapports;Fin des rapports;Montant dépensé (EUR);Couverture;"
        "Impressions;Clics sur un lien;Mentions J'aime sur la Page;Achats;Résultats;Indicateur de résultats\r\n"
        f"Galette des rois;{campaign.starts_on:%Y-%m-%d};{campaign.ends_on:%Y-%m-%d};500,00;150000;412000;"
        "1900;800;6;800;actions:like\r\n"
    )
    page.goto(f"{page.base}/e/{business.public_id}/publicite/")
    page.get_by_role("link", name="Importer un export du Gestionnaire de publicités").click()
    page.get_by_label("Le fichier").set_input_files(
        {"name": "Campagnes-Ti-Pain.csv", "mimeType": "text/csv", "buffer": export.encode("utf-8")}
    )
    page.get_by_role("button", name="Voir l’aperçu").or_(
        page.get_by_role("button", name="Voir l'aperçu")
    ).click()
    expect(page.get_by_text("1 ligne prête")).to_be_visible()
    expect(page.locator("table.preview")).to_contain_text("500,00 €")
    screenshot(page, "seed-ads-preview")
    page.get_by_role("button", name="Importer", exact=True).click()
    expect(page.get_by_text("1 ligne importée")).to_be_visible()
    assert AdSpend.objects.get().reach == 150_000


def _shop_sends_orders(page, business, campaign):
    shop = shop_connection_create(
        business=business,
        platform=ShopPlatform.WOOCOMMERCE,
        label="boulangerie-ti-pain.example",
        secret=WOO_SECRET,
    )
    url = f"{page.base}/webhooks/woocommerce/{shop.hook_id}/"
    with http.allow_loopback():
        assert http.post(url, data={"webhook_id": "12"}).status == 200  # WooCommerce's ping
        for number, total in enumerate(ORDER_TOTALS):
            placed = datetime.combine(
                campaign.starts_on, datetime.min.time(), tzinfo=UTC
            ) + timedelta(days=2 * number, hours=18)
            stamp = placed.strftime("%Y-%m-%dT%H:%M:%S")
            body = woo_body(
                woo_order(
                    id=900 + number,
                    number=str(900 + number),
                    total=total,
                    date_created_gmt=stamp,
                    date_modified_gmt=stamp,
                )
            )
            answer = http.post(
                url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "X-WC-Webhook-Topic": "order.created",
                    "X-WC-Webhook-Signature": sign(WOO_SECRET, body),
                    "X-WC-Webhook-Delivery-ID": f"d{number}",
                },
            )
            assert answer.status == 200, answer.text
    assert Order.objects.filter(business=business).count() == 6


def _cashier_at_the_till(phone, business, cashier):
    log_in(phone, cashier.email)
    phone.goto(f"{phone.base}/e/{business.public_id}/caisse/enregistrer/")
    answer = phone.locator("[data-answer]")
    for number in range(1, 42):
        phone.get_by_role("textbox", name="Code").fill("galette27")
        phone.get_by_label("Montant du panier (€)").fill("26,00")
        phone.get_by_role("button", name="Enregistrer").click()
        expect(phone.locator("[data-today]")).to_contain_text(re.compile(rf"\b{number} codes?\b"))
    expect(answer).to_contain_text("GALETTE27")
    for number in range(1, 24):
        phone.get_by_role("button", name="Facebook").click()
        expect(phone.locator("[data-today]")).to_contain_text(
            re.compile(rf"\b{number} réponses?\b")
        )
    screenshot(phone, "seed-till")
    assert Redemption.objects.filter(business=business).count() == 41


def _people_followed_the_link(page, link):
    with http.allow_loopback():  # a few through the live redirect, as a phone would
        for _ in range(5):
            answer = http.get(
                f"{page.base}/r/{link.code}",
                headers={"User-Agent": PHONE_UA},
                follow_redirects=False,
            )
            assert answer.status == 302
    # The redirect writes its click after answering. The test database is SQLite in memory,
    # where a read from this thread during that write makes the write fail: let it finish first.
    time.sleep(1.5)
    now = datetime.now(UTC)
    Click.objects.bulk_create(
        Click(link=link, at=now - timedelta(minutes=n), user_agent=PHONE_UA) for n in range(1725)
    )
    assert Click.objects.filter(link=link, is_bot=False).count() == 1730


def test_seed_campaign_end_to_end(page, phone, transactional_db):
    business, campaign, link, owner, cashier = _bakery()
    log_in(page, owner.email)
    _import_ads_export(page, business, campaign)
    _shop_sends_orders(page, business, campaign)
    _cashier_at_the_till(phone, business, cashier)
    _people_followed_the_link(page, link)

    page.goto(f"{page.base}/e/{business.public_id}/resultats/")
    page.get_by_label("Période").select_option("tout")  # « Toute la période »
    page.get_by_role("button", name="Afficher").click()
    card = page.locator("section.campaign").filter(has_text="Galette des rois")
    expect(card.locator(".sentence")).to_have_text(
        "Vos 500 € de publicité ont touché 150 000 personnes et rapporté 47 ventes mesurées "
        "(6 en ligne, 41 en boutique avec le code GALETTE27), soit 1 253,20 € de chiffre "
        "d’affaires : 2,51 € pour 1 € dépensé.".replace("’", "'")
    )
    steps = card.locator("table.steps")
    for text in [
        "500,00 €",
        "150 000",
        "0,63 € par mention J'aime",
        "1 730",
        "Meta annonce 1 900 clics sur le lien (170 de plus que nous n'en avons mesuré)",
        "6 · 187,20 €",
        "83,33 € dépensés par vente en ligne",
        "41 · 1 066,00 €",
        "10,64 € par client",
        "1 253,20 €",
        "2,51 € pour 1 € dépensé",
    ]:
        expect(steps).to_contain_text(text)
    expect(card.locator(".declared")).to_contain_text("Facebook (23)")
    card.locator("tr.step-clicks summary").click()  # the source, one tap away
    expect(card.locator("tr.step-clicks details p")).to_contain_text("robots")
    screenshot(page, "seed-results")
