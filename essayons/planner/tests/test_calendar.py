import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from essayons.planner.models import EventAction, Post, PostStatus

from .conftest import when_fields

pytestmark = pytest.mark.django_db


def local(business, days, hour=10):
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(business.timezone))


def month_url(business, when):
    return reverse("planner:calendar", args=[business.public_id]) + f"?month={when:%Y-%m}"


def test_month_and_week_show_posts_in_the_business_time_zone(business, owner, make_post, client_as):
    when = local(business, 10, hour=23)  # 23:00 in Martinique is already tomorrow in UTC
    make_post(owner, text="Bokit du soir", scheduled_at=when)
    client = client_as(owner)
    month = client.get(month_url(business, when)).content.decode()
    assert "Bokit du soir" in month and "23:00" in month
    week = client.get(
        reverse("planner:week", args=[business.public_id]) + f"?week={when.date()}"
    ).content.decode()
    assert f'data-day="{when.date()}"' in week and "Bokit du soir" in week


def test_filters_by_network_and_status(business, owner, make_post, client_as):
    when = local(business, 8)
    make_post(owner, text="Sur Facebook", channels=["facebook"], scheduled_at=when)
    make_post(
        owner,
        text="Sur Instagram",
        channels=["instagram"],
        scheduled_at=when,
        status=PostStatus.SCHEDULED,
    )
    client = client_as(owner)
    only_ig = client.get(month_url(business, when) + "&channel=instagram").content.decode()
    assert "Sur Instagram" in only_ig and "Sur Facebook" not in only_ig
    drafts = client.get(month_url(business, when) + "&status=draft").content.decode()
    assert "Sur Facebook" in drafts and "Sur Instagram" not in drafts
    garbage = client.get(month_url(business, when) + "&status=<x>&channel=tiktok&month=99999-99")
    assert garbage.status_code == 200


def test_htmx_navigation_returns_only_the_grid(business, owner, client_as):
    response = client_as(owner).get(
        reverse("planner:calendar", args=[business.public_id]) + "?month=2031-02",
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert (
        response.status_code == 200
        and page.lstrip().startswith('<div id="calendar">')
        and "<html" not in page
    )
    assert "février 2031" in page


def test_a_month_shows_a_few_posts_per_day_and_counts_the_rest(
    business, owner, make_post, client_as
):
    when = local(business, 9)
    for n in range(7):
        make_post(owner, text=f"Post {n}", scheduled_at=when + timedelta(minutes=n))
    page = client_as(owner).get(month_url(business, when)).content.decode()
    assert "Post 2" in page and "Post 3" not in page and "+ 4 autres" in page


def test_local_dates_appear_in_the_grid_and_ahead_of_time(business, owner, client_as):
    page = (
        client_as(owner)
        .get(reverse("planner:calendar", args=[business.public_id]) + "?month=2027-02")
        .content.decode()
    )
    assert "Mardi gras" in page and "Dimanche gras" in page


def test_drag_and_drop_moves_a_post_through_htmx(business, owner, make_post, client_as):
    post = make_post(owner, scheduled_at=local(business, 4, hour=9))
    target = timezone.localdate() + timedelta(days=6)
    next_url = month_url(business, target)
    response = client_as(owner).post(
        reverse("planner:post_move", args=[business.public_id, post.pk]),
        {"date": target.isoformat(), "version": post.version, "next": next_url},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    assert json.loads(response["HX-Location"]) == {
        "path": next_url,
        "target": "#calendar",
        "swap": "outerHTML",
    }
    post.refresh_from_db()
    moved = post.scheduled_at.astimezone(ZoneInfo(business.timezone))
    assert moved.date() == target and moved.hour == 9
    assert post.version == 2
    evil = client_as(owner).post(
        reverse("planner:post_move", args=[business.public_id, post.pk]),
        {"date": target.isoformat(), "version": post.version, "next": "https://evil.example/"},
        HTTP_HX_REQUEST="true",
    )
    assert "evil" not in evil["HX-Location"]


def test_moving_to_the_past_or_with_an_old_version_is_refused(
    business, owner, make_post, client_as
):
    post = make_post(owner, scheduled_at=local(business, 4))
    client = client_as(owner)
    url = reverse("planner:post_move", args=[business.public_id, post.pk])
    past = client.post(url, {"date": "2020-01-01", "version": post.version})
    assert past.status_code == 400 and "sont passées" in past.content.decode()
    client.post(
        url,
        {
            "date": (timezone.localdate() + timedelta(days=9)).isoformat(),
            "version": post.version + 1,
        },
    )
    post.refresh_from_db()
    assert post.version == 1 and post.scheduled_at == local(business, 4)
    assert (
        client.post(url, {"date": "n'importe", "time": "quoi", "version": "x"}).status_code == 400
    )


def test_delete_then_undo(business, owner, make_post, client_as):
    post = make_post(owner)
    client = client_as(owner)
    response = client.post(reverse("planner:post_delete", args=[business.public_id, post.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Publication supprimée." in page
    assert (
        client.get(reverse("planner:post", args=[business.public_id, post.pk])).status_code == 404
    )
    restore = reverse("planner:post_restore", args=[business.public_id, post.pk])
    assert restore in page
    client.post(restore)
    post.refresh_from_db()
    assert post.deleted_at is None
    assert list(post.events.values_list("action", flat=True)) == [
        EventAction.DELETED,
        EventAction.RESTORED,
    ]


def test_a_helper_cannot_delete_a_scheduled_post_but_the_owner_can(
    business, owner, helper, make_post, client_as
):
    post = make_post(owner, status=PostStatus.SCHEDULED)
    client_as(helper).post(reverse("planner:post_delete", args=[business.public_id, post.pk]))
    post.refresh_from_db()
    assert post.deleted_at is None
    client_as(owner).post(reverse("planner:post_delete", args=[business.public_id, post.pk]))
    post.refresh_from_db()
    assert post.deleted_at is not None


def test_duplicate_makes_a_draft_in_the_future(business, owner, make_post, client_as):
    post = make_post(
        owner, status=PostStatus.SCHEDULED, scheduled_at=timezone.now() - timedelta(days=30)
    )
    response = client_as(owner).post(
        reverse("planner:post_duplicate", args=[business.public_id, post.pk])
    )
    copy = Post.objects.exclude(pk=post.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{copy.pk}/modifier/")
    assert (
        copy.status == PostStatus.DRAFT
        and copy.text == post.text
        and copy.scheduled_at > timezone.now()
    )
    assert (copy.scheduled_at - post.scheduled_at) % timedelta(weeks=1) == timedelta(0)


def test_two_people_editing_the_same_post_the_second_is_not_silently_lost(
    business, owner, helper, make_post, client_as
):
    post = make_post(owner, text="Version d’origine")
    url = reverse("planner:post_edit", args=[business.public_id, post.pk])
    base = {
        "channels": ["facebook"],
        "kind": "products",
        "version": post.version,
        "action": "draft",
        **when_fields(),
    }
    first = client_as(owner).post(url, {**base, "text": "Version du dirigeant"})
    assert first.status_code == 302
    second = client_as(helper).post(url, {**base, "text": "Version de l’aide"})
    page = second.content.decode()
    assert second.status_code == 409
    assert "Quelqu’un a enregistré cette publication" in page
    assert "Version du dirigeant" in page and "Version de l’aide" in page
    post.refresh_from_db()
    assert post.text == "Version du dirigeant" and post.version == 2
    again = client_as(helper).post(url, {**base, "text": "Version de l’aide", "version": 2})
    assert again.status_code == 302
    post.refresh_from_db()
    assert post.text == "Version de l’aide"


def test_tenants_never_see_each_other(business, owner, outsider, cashier, make_post, client_as):
    post = make_post(owner)
    for name in ("post", "post_edit"):
        url = reverse(f"planner:{name}", args=[business.public_id, post.pk])
        assert client_as(outsider).get(url).status_code == 404
        assert client_as(cashier).get(url).status_code == 403
    assert (
        client_as(outsider)
        .post(reverse("planner:post_delete", args=[business.public_id, post.pk]))
        .status_code
        == 404
    )
    from essayons.accounts.models import Business

    theirs = Business.objects.get(name="Salon Ailleurs")
    # The outsider's own business, with our post's id: still not found.
    assert (
        client_as(outsider)
        .get(reverse("planner:post", args=[theirs.public_id, post.pk]))
        .status_code
        == 404
    )
    assert (
        client_as(outsider)
        .post(
            reverse("planner:post_move", args=[theirs.public_id, post.pk]),
            {"date": "2099-01-01", "version": 1},
        )
        .status_code
        == 404
    )
    assert (
        client_as(outsider).get(reverse("planner:calendar", args=[business.public_id])).status_code
        == 404
    )
    assert Post.objects.get(pk=post.pk).deleted_at is None


def test_a_helper_cannot_reach_another_business_posts_or_images(
    business, other_business, helper, outsider, client_as
):
    from essayons.planner.models import PostImage

    theirs = Post.objects.create(
        business=other_business,
        author=outsider,
        text="Chez eux",
        channels=["facebook"],
        scheduled_at=timezone.now() + timedelta(days=2),
    )
    image = PostImage.objects.create(
        business=other_business,
        post=theirs,
        original="x.jpg",
        image_format="JPEG",
        width=1,
        height=1,
    )
    client = client_as(helper)
    for args in ([business.public_id, theirs.pk], [other_business.public_id, theirs.pk]):
        assert client.get(reverse("planner:post", args=args)).status_code == 404
        assert client.post(reverse("planner:post_delete", args=args)).status_code == 404
    assert (
        client.get(reverse("planner:image", args=[business.public_id, image.pk])).status_code == 404
    )
    assert (
        client.get(reverse("planner:image", args=[other_business.public_id, image.pk])).status_code
        == 404
    )
    page = client.get(
        reverse("planner:week", args=[business.public_id])
        + f"?week={(timezone.localdate() + timedelta(days=2)).isoformat()}"
    )
    assert "Chez eux" not in page.content.decode()
