from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from essayons.planner.models import Plan, Post, PostStatus
from essayons.planner.queries import plan_settings, weekly_plan
from essayons.planner.when import week_start

pytestmark = pytest.mark.django_db
NEXT = week_start(timezone.localdate()) + timedelta(days=7)


def plan_url(business):
    return reverse("planner:plan", args=[business.public_id])


def test_without_a_diagnostic_the_plan_starts_from_sensible_defaults(business, owner, client_as):
    settings = plan_settings(business=business)
    assert settings.pk is None and settings.hours_per_week == Decimal("2")
    assert settings.channels == ["google", "facebook"]
    page = client_as(owner).get(plan_url(business)).content.decode()
    assert "Votre semaine en 2 h" in page and "Tout tient" in page


def test_the_plan_is_drawn_from_the_diagnostic(business, monkeypatch):
    summary = SimpleNamespace(
        hours_per_week=Decimal("3.5"), channels=["instagram", "email", "google"], answers={}
    )
    monkeypatch.setattr(
        "essayons.diagnostic.queries.diagnostic_summary", lambda *, business: summary
    )
    settings = plan_settings(business=business)
    assert settings.hours_per_week == Decimal("3.5")
    assert settings.channels == ["instagram", "google"]  # the newsletter is not a post


def test_owner_changes_the_hours_and_the_plan_is_redone(business, owner, client_as):
    client = client_as(owner)
    response = client.post(
        plan_url(business), {"hours": "4", "channels": ["instagram", "facebook"]}
    )
    assert response.status_code == 302
    saved = Plan.objects.get(business=business)
    four = len(weekly_plan(saved, monday=NEXT).fitting_slots)
    client.post(plan_url(business), {"hours": "1", "channels": ["instagram", "facebook"]})
    saved.refresh_from_db()
    assert len(weekly_plan(saved, monday=NEXT).fitting_slots) < four
    assert "Votre semaine en 1 h" in client.get(plan_url(business)).content.decode()


def test_asking_too_much_is_said_plainly(business, owner, client_as):
    client = client_as(owner)
    client.post(
        plan_url(business),
        {
            "hours": "2",
            "channels": ["instagram", "facebook"],
            "rhythm_instagram": "5",
            "rhythm_facebook": "4",
        },
    )
    page = client.get(plan_url(business)).content.decode()
    assert "Ce que vous demandez ne tient pas dans vos heures" in page
    assert "ne tient pas" in page


def test_htmx_save_returns_the_plan_partial(business, owner, client_as):
    response = client_as(owner).post(
        plan_url(business), {"hours": "3", "channels": ["google"]}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert (
        response.status_code == 200
        and page.lstrip().startswith('<div id="plan">')
        and "3 h" in page
    )


def test_bad_plan_input_is_refused_and_kept(business, owner, client_as):
    response = client_as(owner).post(
        plan_url(business), {"hours": "-3", "channels": [], "rhythm_facebook": "99"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="-3"' in page and "Choisissez au moins un réseau" in page
    assert not Plan.objects.exists()
    assert (
        client_as(owner)
        .post(plan_url(business), {"hours": "<script>", "channels": ["x"]})
        .status_code
        == 400
    )


def test_who_may_see_and_change_the_plan(business, helper, cashier, outsider, client_as):
    assert client_as(helper).get(plan_url(business)).status_code == 200
    assert (
        client_as(helper)
        .post(plan_url(business), {"hours": "9", "channels": ["google"]})
        .status_code
        == 403
    )
    assert not Plan.objects.exists()
    assert client_as(cashier).get(plan_url(business)).status_code == 403
    assert client_as(outsider).get(plan_url(business)).status_code == 404


def test_effort_model_is_editable_and_resettable(business, owner, helper, client_as):
    url = reverse("planner:effort", args=[business.public_id])
    client = client_as(owner)
    page = client.get(url)
    assert page.status_code == 200
    data = {key: value for key, value in page.context["form"].initial.items()}
    data["m_facebook_products"] = 60
    assert client.post(url, data).status_code == 302
    assert Plan.objects.get().effort["post_minutes"]["facebook"]["products"] == 60
    bad = client.post(url, {**data, "m_facebook_products": "9999", "reply_minutes": "abc"})
    assert bad.status_code == 400 and 'value="9999"' in bad.content.decode()
    client.post(url, {"reset": "1"})
    assert Plan.objects.get().effort["post_minutes"]["facebook"]["products"] == 20
    assert client_as(helper).get(url).status_code == 200
    assert client_as(helper).post(url, data).status_code == 403


def test_prepare_my_week_fills_the_slots_once(business, owner, helper, client_as):
    client = client_as(owner)
    client.post(plan_url(business), {"hours": "2", "channels": ["instagram", "facebook"]})
    monday = week_start(timezone.localdate()) + timedelta(days=7)
    planned = len(weekly_plan(Plan.objects.get(), monday=monday).fitting_slots)
    url = reverse("planner:prepare_week", args=[business.public_id])
    response = client.post(url, {"week": monday.isoformat()})
    assert response.status_code == 302 and f"week={monday}" in response["Location"]
    drafts = Post.objects.filter(business=business)
    assert drafts.count() == planned > 0
    assert all(
        p.status == PostStatus.DRAFT and p.idea and p.slot_key.startswith(monday.strftime("%G-W%V"))
        for p in drafts
    )
    assert len({p.idea_ref for p in drafts}) == planned  # no idea twice in a week
    client.post(url, {"week": monday.isoformat()})
    client_as(helper).post(url, {"week": monday.isoformat()})
    assert Post.objects.filter(business=business).count() == planned
    week = client.get(response["Location"]).content.decode()
    assert "<em>Idée :" in week


def test_prepare_week_refuses_a_week_out_of_range(business, owner, client_as):
    url = reverse("planner:prepare_week", args=[business.public_id])
    assert client_as(owner).post(url, {"week": "2001-01-01"}).status_code == 404
    assert (
        client_as(owner).post(url, {"week": "garbage"}).status_code == 302
    )  # falls back to next week


def test_htmx_errors_are_swapped_in_beside_the_fields(business, owner, client_as):
    response = client_as(owner).post(
        plan_url(business), {"hours": "abc", "channels": []}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert (
        response.status_code == 200
        and 'value="abc"' in page
        and "Choisissez au moins un réseau" in page
    )
    assert not Plan.objects.exists()
