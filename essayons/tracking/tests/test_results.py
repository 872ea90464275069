"""The results page: who sees it, honest figures and labels, periods, CSV, queries that do not grow."""

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from essayons.diagnostic.channels import Channel
from essayons.tracking.models import (
    AdSpend,
    Campaign,
    Click,
    DeclaredSource,
    Order,
    OrderStatus,
    PromoCode,
    Redemption,
    TrackedLink,
)
from essayons.tracking.orders_rollup import orders_rollup_rebuild
from essayons.tracking.results_format import money, number, ratio
from essayons.tracking.results_periods import month_period
from essayons.tracking.results_queries import results_build
from essayons.tracking.results_rollups import rollups_fold_now

pytestmark = pytest.mark.django_db
NBSP, NNBSP = "\u00a0", "\u202f"


def url(business, **query):
    base = reverse("tracking:results", args=[business.public_id])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _text(answer):
    return answer.content.decode().replace(NBSP, " ").replace(NNBSP, " ").replace("&#x27;", "'")


def _data(business, *, clicks=3, redemptions=2, orders=2, declared=1, day=date(2027, 1, 10)):
    campaign = Campaign.objects.create(
        business=business,
        name="Galette des rois",
        slug="galette-des-rois",
        channel=Channel.FACEBOOK,
        starts_on=date(2027, 1, 4),
        ends_on=date(2027, 1, 17),
    )
    link = TrackedLink.objects.create(
        business=business,
        campaign=campaign,
        code="aB3xY9kQ2m",
        destination="https://example.org/",
        channel=Channel.FACEBOOK,
    )
    promo = PromoCode.objects.create(business=business, campaign=campaign, code="GALETTE27")
    moment = datetime(day.year, day.month, day.day, 16, tzinfo=UTC)
    Click.objects.bulk_create(
        [Click(link=link, at=moment + timedelta(minutes=n)) for n in range(clicks)]
    )
    Click.objects.create(link=link, at=moment, is_bot=True)
    Redemption.objects.bulk_create(
        [
            Redemption(
                business=business,
                promo_code=promo,
                at=moment,
                amount=Decimal("26.00"),
                client_key=uuid.uuid4(),
            )
            for _ in range(redemptions)
        ]
    )
    DeclaredSource.objects.bulk_create(
        [
            DeclaredSource(business=business, source="facebook", at=moment, client_key=uuid.uuid4())
            for _ in range(declared)
        ]
    )
    for n in range(orders):
        Order.objects.create(
            business=business,
            source="woocommerce",
            external_id=str(n),
            placed_at=moment,
            placed_on=day,
            placed_month=day.replace(day=1),
            total=Decimal("31.20"),
            currency="EUR",
            status=OrderStatus.PAID,
            utm_campaign="galette-des-rois",
        )
    AdSpend.objects.create(
        business=business,
        campaign=campaign,
        source="export",
        ad_campaign_name="Galette des rois",
        ad_campaign_key="galette des rois",
        period_start=date(2027, 1, 4),
        period_end=date(2027, 1, 17),
        currency="EUR",
        spend=Decimal("100.00"),
        reach=5000,
        link_clicks=4,
        page_likes=30,
    )
    orders_rollup_rebuild(business=business)
    return campaign


def test_who_sees_the_results(business, owner, helper, advisor, cashier, outsider, client_as):
    _data(business)
    assert client_as(owner).get(url(business)).status_code == 200
    assert client_as(advisor).get(url(business)).status_code == 200
    helped = client_as(helper).get(url(business))
    assert helped.status_code == 200 and "Galette des rois" in helped.content.decode()
    assert client_as(cashier).get(url(business)).status_code == 403
    assert client_as(outsider).get(url(business)).status_code == 404
    assert client_as(None).get(url(business)).status_code == 302


def test_outsider_sees_only_their_own_figures(business, other_business, outsider, client_as):
    _data(business)
    page = _text(client_as(outsider).get(url(other_business, periode="2027-01")))
    assert "Galette des rois" not in page and "GALETTE27" not in page


def test_empty_business_page_invites_to_feed_it(business, owner, client_as):
    page = _text(client_as(owner).get(url(business)))
    assert "Aucune campagne sur cette période." in page


def test_month_figures_labels_and_sentence(business, owner, client_as):
    _data(business)
    page = _text(client_as(owner).get(url(business, periode="2027-01")))
    assert (
        "Vos 100 € de publicité ont touché 5 000 personnes et rapporté 4 ventes mesurées "
        "(2 en ligne, 2 en boutique avec le code GALETTE27), soit 114,40 € de chiffre d'affaires : "
        "1,14 € pour 1 € dépensé."
    ) in page
    assert "Meta annonce 4 clics sur le lien (1 de plus que nous n'en avons mesuré)" in page
    assert "1 visites de robots" in page or "1 visite" in page
    assert "Facebook (1)" in page
    assert (
        'class="badge kind-reported"' in page
        and 'class="badge kind-measured"' in page
        and 'class="badge kind-declared"' in page
    )
    assert "<svg" in page and "Comparé à décembre 2026" in page


def test_all_period_and_bad_period_values(business, owner, client_as):
    _data(business)
    client = client_as(owner)
    assert "Toute la période (" in _text(client.get(url(business, periode="tout")))
    for raw in ["2027-13", "<script>", "9999-99", ""]:
        answer = client.get(url(business, periode=raw))
        assert (
            answer.status_code == 200
            and "<script>" not in answer.content.decode().split("<main", 1)[1]
        )
    assert "janvier 2027" in _text(client.get(url(business)))  # opens on the month with data


def test_cancelled_foreign_currency_and_unattributed_orders(business, owner, client_as):
    _data(business, orders=0)
    common = {
        "business": business,
        "source": "csv",
        "placed_at": datetime(2027, 1, 9, tzinfo=UTC),
        "placed_on": date(2027, 1, 9),
        "placed_month": date(2027, 1, 1),
        "total": Decimal("10.00"),
    }
    Order.objects.create(
        external_id="c",
        currency="EUR",
        status=OrderStatus.CANCELLED,
        utm_campaign="galette-des-rois",
        **common,
    )
    Order.objects.create(
        external_id="u",
        currency="USD",
        status=OrderStatus.PAID,
        utm_campaign="galette-des-rois",
        **common,
    )
    Order.objects.create(external_id="n", currency="EUR", status=OrderStatus.PAID, **common)
    orders_rollup_rebuild(business=business)
    found = results_build(business, month_period(2027, 1))
    assert found.campaigns[0].figures.online_sales == 0
    assert found.total.online_sales == 1 and found.unattributed.online_sales == 1
    assert found.other_currency_orders == 1
    page = _text(client_as(owner).get(url(business, periode="2027-01")))
    assert "1 commande dans une autre devise n'est pas additionnée." in page
    assert "1 vente mesurée n'appartient à aucune campagne" in page


def test_wider_ad_row_wins_over_the_days_it_covers_and_reach_is_never_summed(business):
    campaign = _data(business)
    for day in (4, 5):
        AdSpend.objects.create(
            business=business,
            campaign=campaign,
            source="api",
            ad_campaign_name="Galette des rois",
            ad_campaign_key="galette des rois",
            period_start=date(2027, 1, day),
            period_end=date(2027, 1, day),
            currency="EUR",
            spend=Decimal("7.00"),
            reach=900,
        )
    figures = results_build(business, month_period(2027, 1)).campaigns[0].figures
    assert (
        figures.spend == Decimal("100.00") and figures.ads.reach == 5000 and figures.ads.reach_exact
    )
    AdSpend.objects.filter(period_end=date(2027, 1, 17)).delete()
    figures = results_build(business, month_period(2027, 1)).campaigns[0].figures
    assert (
        figures.spend == Decimal("14.00")
        and figures.ads.reach == 900
        and not figures.ads.reach_exact
    )


def test_hostile_names_are_escaped(business, owner, client_as):
    campaign = _data(business)
    Campaign.objects.filter(pk=campaign.pk).update(name="<img src=x onerror=alert(1)>")
    body = client_as(owner).get(url(business, periode="2027-01")).content.decode()
    assert "<img src=x" not in body and "&lt;img src=x" in body


def test_csv_export(business, owner, helper, cashier, outsider, client_as):
    campaign = _data(business)
    Campaign.objects.filter(pk=campaign.pk).update(name='=HYPERLINK("http://x")')
    export = reverse("tracking:results_export", args=[business.public_id]) + "?periode=2027-01"
    answer = client_as(owner).get(export)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    assert 'filename="resultats-2027-01.csv"' in answer["Content-Disposition"]
    text = answer.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Niveau", "Nom", "Dépense publicitaire"]
    campaign_row = rows[1]
    assert campaign_row[0] == "Campagne" and campaign_row[1].startswith(
        "'="
    )  # no formula injection
    assert campaign_row[2] == "100,00" and rows[-1][0] == "Total"
    assert client_as(helper).get(export).status_code == 200
    assert client_as(cashier).get(export).status_code == 403
    assert client_as(outsider).get(export).status_code == 404


def test_query_count_does_not_grow_with_the_data(business, owner, client_as, other_business):
    _data(business, clicks=2, redemptions=1, orders=1, declared=1)
    client = client_as(owner)
    client.get(url(business, periode="2027-01"))
    with CaptureQueriesContext(connection) as small:
        client.get(url(business, periode="2027-01"))
    campaign = Campaign.objects.get(business=business)
    link = TrackedLink.objects.get(business=business)
    promo = PromoCode.objects.get(business=business)
    for day in range(4, 28):
        moment = datetime(2027, 1, day, 15, tzinfo=UTC)
        Click.objects.bulk_create([Click(link=link, at=moment) for _ in range(30)])
        Redemption.objects.bulk_create(
            [
                Redemption(
                    business=business,
                    promo_code=promo,
                    at=moment,
                    amount=Decimal("3.10"),
                    client_key=uuid.uuid4(),
                )
                for _ in range(5)
            ]
        )
        Order.objects.bulk_create(
            [
                Order(
                    business=business,
                    source="csv",
                    external_id=f"{day}-{n}",
                    placed_at=moment,
                    placed_on=moment.date(),
                    placed_month=date(2027, 1, 1),
                    total=Decimal("9.99"),
                    currency="EUR",
                    status=OrderStatus.PAID,
                    utm_campaign=campaign.slug,
                )
                for n in range(4)
            ]
        )
    rollups_fold_now()
    orders_rollup_rebuild(business=business)
    client.get(url(business, periode="2027-01"))  # the same rollup state as the small run
    with CaptureQueriesContext(connection) as big:
        answer = client.get(url(business, periode="2027-01"))
    assert answer.status_code == 200

    def ours(captured):  # the session may or may not be saved: only our queries matter here
        return [q["sql"] for q in captured.captured_queries if "tracking_" in q["sql"]]

    assert len(ours(big)) == len(ours(small))
    assert len(ours(big)) <= 40


@pytest.mark.parametrize(
    ("value", "french", "english"),
    [
        (Decimal("500"), "500,00\u00a0€", "€500.00"),
        (Decimal("1253.2"), "1\u202f253,20\u00a0€", "€1,253.20"),
        (Decimal("0.625"), "0,63\u00a0€", "€0.63"),
        (Decimal("2.5064"), "2,51\u00a0€", "€2.51"),
    ],
)
def test_money_is_written_in_the_readers_language(value, french, english):
    with translation.override("fr"):
        assert money(value) == french
    with translation.override("en"):
        assert money(value) == english


def test_ratios_round_half_up_and_never_divide_by_zero():
    assert ratio(Decimal("500"), 800) == Decimal("0.63")
    assert ratio(Decimal("500"), 6) == Decimal("83.33")
    assert ratio(Decimal("500"), 47) == Decimal("10.64")
    assert ratio(Decimal("1253.20"), Decimal("500")) == Decimal("2.51")
    assert ratio(Decimal("0.125"), 1) == Decimal("0.13")
    assert ratio(Decimal("5"), 0) is None
    with translation.override("fr"):
        assert number(1730) == "1\u202f730" and money(Decimal("500"), short=True) == "500\u00a0€"


def test_the_month_says_how_fast_customers_were_answered(business, owner, client_as):
    from essayons.connectors.base import Incoming
    from essayons.inbox.models import Message
    from essayons.inbox.services import message_receive

    _data(business)  # a month of figures, so January 2027 can be chosen
    came = datetime(2027, 1, 12, 14, 0, tzinfo=UTC)
    for n, (label, hours) in enumerate([("complaint", 3), ("question", 5), ("question", None)]):
        message = message_receive(
            business=business,
            incoming=Incoming(channel="facebook", remote_id=f"r{n}", text="…", received_at=came),
            label=label,
        )
        if hours is not None:
            answered = came + timedelta(hours=hours)
            Message.objects.filter(pk=message.pk).update(answered_at=answered)
    page = _text(client_as(owner).get(url(business, periode="2027-01")))
    assert "3 messages appelaient une réponse" in page
    assert "la moitié ont eu une réponse en moins de 4 h" in page
    assert "67 % ont une réponse" in page
    Message.objects.all().delete()
    quiet = _text(client_as(owner).get(url(business, periode="2027-01")))
    assert "Aucun message n'appelait de réponse ce mois-ci." in quiet
    whole = _text(client_as(owner).get(url(business, periode="tout")))
    assert "Répondre aux clients" not in whole  # a monthly figure, shown for one month
