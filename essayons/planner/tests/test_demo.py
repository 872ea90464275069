import pytest

from essayons.brand.models import Charte
from essayons.planner.demo import demo_create
from essayons.planner.models import Plan, Post, PostStatus

pytestmark = pytest.mark.django_db


def test_demo_gives_a_charte_a_two_hour_plan_and_posts_in_every_state(business, owner):
    demo_create(business=business, owner=owner)
    assert "péi" in Charte.objects.get(business=business).what_we_sell
    assert Plan.objects.get(business=business).hours_per_week == 2
    statuses = set(Post.objects.filter(business=business).values_list("status", flat=True))
    assert {
        PostStatus.DRAFT,
        PostStatus.AWAITING_APPROVAL,
        PostStatus.CHANGES_REQUESTED,
        PostStatus.SCHEDULED,
        PostStatus.PUBLISHED,
    } <= statuses
    assert Post.objects.exclude(slot_key="").exists()  # next week prepared


def test_demo_pages_render(business, owner, client_as):
    from django.urls import reverse

    demo_create(business=business, owner=owner)
    client = client_as(owner)
    for name in ("planner:plan", "planner:calendar", "planner:week", "brand:charte"):
        assert client.get(reverse(name, args=[business.public_id])).status_code == 200
