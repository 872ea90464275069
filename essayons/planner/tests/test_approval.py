from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from essayons.accounts.models import Membership
from essayons.accounts.roles import Role
from essayons.planner.models import ApprovalRule, EventAction, Post, PostStatus
from essayons.planner.queries import attention_for
from essayons.planner.services import PostRefused, post_review

from .conftest import when_fields

pytestmark = pytest.mark.django_db


def review(client, business, post, decision="approve", comment="", version=None):
    return client.post(
        reverse("planner:post_review", args=[business.public_id, post.pk]),
        {"decision": decision, "comment": comment, "version": version or post.version},
    )


@pytest.fixture
def awaiting(make_post, helper):
    return make_post(helper, status=PostStatus.AWAITING_APPROVAL, submitted_by=helper)


def test_owner_approves_and_the_helper_is_told_in_the_app_and_by_email(
    business, owner, helper, awaiting, client_as, django_capture_on_commit_callbacks
):
    owner_page = (
        client_as(owner).get(reverse("planner:plan", args=[business.public_id])).content.decode()
    )
    assert "1 publication à valider" in owner_page
    with django_capture_on_commit_callbacks(execute=True):
        response = review(client_as(owner), business, awaiting)
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == PostStatus.SCHEDULED
    event = awaiting.events.get(action=EventAction.APPROVED)
    assert (event.actor, event.from_status, event.to_status) == (
        owner,
        PostStatus.AWAITING_APPROVAL,
        PostStatus.SCHEDULED,
    )
    assert [m.to for m in mail.outbox] == [[helper.email]]
    assert "approuvée" in mail.outbox[0].subject
    helper_page = (
        client_as(helper)
        .get(reverse("planner:calendar", args=[business.public_id]))
        .content.decode()
    )
    assert "approuvée par" in helper_page


def test_owner_asks_for_a_change_with_a_comment(
    business, owner, helper, awaiting, client_as, django_capture_on_commit_callbacks
):
    refused = review(client_as(owner), business, awaiting, decision="changes", comment="  ")
    assert refused.status_code == 400 and "Dites en quelques mots" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        review(
            client_as(owner),
            business,
            awaiting,
            decision="changes",
            comment="Ajoute le prix <b>svp</b>",
        )
    awaiting.refresh_from_db()
    assert awaiting.status == PostStatus.CHANGES_REQUESTED
    assert (
        awaiting.events.get(action=EventAction.CHANGES_REQUESTED).comment
        == "Ajoute le prix <b>svp</b>"
    )
    assert "Ajoute le prix <b>svp</b>" in mail.outbox[0].body
    page = (
        client_as(helper).get(reverse("planner:plan", args=[business.public_id])).content.decode()
    )
    assert "Modifications demandées sur vos publications" in page
    assert "Ajoute le prix &lt;b&gt;svp&lt;/b&gt;" in page
    history = (
        client_as(helper)
        .get(reverse("planner:post", args=[business.public_id, awaiting.pk]))
        .content.decode()
    )
    assert "a demandé une modification" in history


def test_helper_fixes_and_resubmits_then_it_waits_again(
    business, owner, helper, make_post, client_as
):
    post = make_post(helper, status=PostStatus.CHANGES_REQUESTED, submitted_by=helper)
    response = client_as(helper).post(
        reverse("planner:post_edit", args=[business.public_id, post.pk]),
        {
            "text": "Avec le prix : 2 €, passez !",
            "channels": ["facebook"],
            "kind": "offers",
            "version": post.version,
            "action": "submit",
            **when_fields(),
        },
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == PostStatus.AWAITING_APPROVAL and post.version == 2
    assert list(post.events.values_list("action", flat=True)) == [
        EventAction.EDITED,
        EventAction.SUBMITTED,
    ]


def test_a_helper_cannot_approve_at_all(business, helper, awaiting, client_as):
    assert review(client_as(helper), business, awaiting).status_code == 403
    awaiting.refresh_from_db()
    assert awaiting.status == PostStatus.AWAITING_APPROVAL


def test_nobody_approves_a_post_they_sent_themselves(business, advisor, make_post):
    post = make_post(advisor, status=PostStatus.AWAITING_APPROVAL, submitted_by=advisor)
    membership = Membership.objects.get(user=advisor)
    with pytest.raises(PostRefused):
        post_review(
            post=post, membership=membership, approve=True, comment="", version=post.version
        )
    assert Post.objects.get(pk=post.pk).status == PostStatus.AWAITING_APPROVAL
    assert attention_for(membership=membership).to_approve == []


def test_approving_a_stale_version_or_a_past_post_is_refused(
    business, owner, helper, make_post, awaiting, client_as
):
    client = client_as(owner)
    review(client, business, awaiting, version=awaiting.version + 5)
    awaiting.refresh_from_db()
    assert awaiting.status == PostStatus.AWAITING_APPROVAL
    late = make_post(
        helper,
        status=PostStatus.AWAITING_APPROVAL,
        submitted_by=helper,
        scheduled_at=timezone.now() - timedelta(hours=1),
    )
    review(client, business, late)
    late.refresh_from_db()
    assert late.status == PostStatus.AWAITING_APPROVAL


def test_the_owner_approves_from_the_phone_in_two_taps(business, owner, awaiting, client_as):
    client = client_as(owner)
    plan_page = client.get(reverse("planner:plan", args=[business.public_id])).content.decode()
    detail_url = reverse("planner:post", args=[business.public_id, awaiting.pk])
    assert detail_url in plan_page  # tap 1: the post in "needs your attention"
    detail = client.get(detail_url).content.decode()
    assert 'name="decision" value="approve"' in detail  # tap 2: the big Approve button
    review(client, business, awaiting)
    awaiting.refresh_from_db()
    assert awaiting.status == PostStatus.SCHEDULED


def test_nothing_a_helper_writes_is_scheduled_without_the_rule(business, owner, helper, client_as):
    client = client_as(helper)
    url = reverse("planner:post_new", args=[business.public_id])
    data = {
        "text": "Fête du quartier samedi, venez !",
        "channels": ["facebook"],
        "kind": "local",
        "action": "submit",
        **when_fields(),
    }
    client.post(url, data)
    assert Post.objects.get().status == PostStatus.AWAITING_APPROVAL
    ApprovalRule.objects.create(business=business, helper=helper, kinds=["local"])
    client.post(url, data)
    allowed = Post.objects.latest("id")
    assert allowed.status == PostStatus.SCHEDULED
    assert "règle" in allowed.events.get(action=EventAction.SCHEDULED).comment
    client.post(url, {**data, "kind": "offers"})
    assert Post.objects.latest("id").status == PostStatus.AWAITING_APPROVAL


def test_a_helper_moving_or_editing_a_scheduled_post_sends_it_back_for_approval(
    business, owner, helper, make_post, client_as
):
    post = make_post(owner, status=PostStatus.SCHEDULED)
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    client_as(helper).post(
        reverse("planner:post_move", args=[business.public_id, post.pk]),
        {"date": day, "version": post.version},
    )
    post.refresh_from_db()
    assert post.status == PostStatus.AWAITING_APPROVAL and post.submitted_by == helper
    moved = post.events.get(action=EventAction.MOVED)
    assert moved.details["from"] != moved.details["to"]


def test_the_owner_moving_a_scheduled_post_keeps_it_scheduled(
    business, owner, make_post, client_as
):
    zone = ZoneInfo(business.timezone)
    post = make_post(owner, status=PostStatus.SCHEDULED)
    old_time = post.scheduled_at.astimezone(zone).time()
    day = (timezone.localdate() + timedelta(days=6)).isoformat()
    client_as(owner).post(
        reverse("planner:post_move", args=[business.public_id, post.pk]),
        {"date": day, "version": post.version},
    )
    post.refresh_from_db()
    moved = post.scheduled_at.astimezone(zone)
    assert post.status == PostStatus.SCHEDULED
    assert moved.date().isoformat() == day
    assert (moved.hour, moved.minute) == (old_time.hour, old_time.minute)


def test_approval_rules_page(business, owner, helper, cashier, outsider, client_as):
    url = reverse("planner:rules", args=[business.public_id])
    assert client_as(helper).get(url).status_code == 403
    assert client_as(outsider).get(url).status_code == 404
    client = client_as(owner)
    assert helper.display_name in client.get(url).content.decode()
    invalid = client.post(
        url, {"helper": helper.pk, f"h{helper.pk}-kinds": ["local", "customers", "nope"]}
    )
    assert invalid.status_code == 400 and not ApprovalRule.objects.exists()
    client.post(url, {"helper": helper.pk, f"h{helper.pk}-kinds": ["local", "customers"]})
    assert ApprovalRule.objects.get(helper=helper).kinds == ["customers", "local"]
    assert (
        client.post(url, {"helper": cashier.pk, f"h{cashier.pk}-kinds": ["local"]}).status_code
        == 404
    )
    assert client.post(url, {"helper": "x"}).status_code == 404
    assert Membership.objects.get(user=helper).role == Role.HELPER


def test_a_helper_restoring_a_deleted_scheduled_post_sends_it_for_approval(
    business, owner, helper, make_post, client_as
):
    from django.utils import timezone as tz

    post = make_post(owner, status=PostStatus.SCHEDULED, deleted_at=tz.now())
    client_as(helper).post(reverse("planner:post_restore", args=[business.public_id, post.pk]))
    post.refresh_from_db()
    assert post.deleted_at is None
    assert post.status == PostStatus.AWAITING_APPROVAL and post.submitted_by == helper


def test_the_composer_shows_the_owners_request(business, owner, helper, make_post, client_as):
    post = make_post(helper, status=PostStatus.CHANGES_REQUESTED, submitted_by=helper)
    post.events.create(
        actor=owner, action=EventAction.CHANGES_REQUESTED, comment="Ajoutez <i>le prix</i>"
    )
    page = (
        client_as(helper)
        .get(reverse("planner:post_edit", args=[business.public_id, post.pk]))
        .content.decode()
    )
    assert "demande une modification" in page and "Ajoutez &lt;i&gt;le prix&lt;/i&gt;" in page


def test_the_home_page_lists_posts_to_approve_and_to_rework(
    awaiting, business, owner, helper, client_as
):
    home = reverse("accounts:dashboard", args=[business.public_id])
    calendar = reverse("planner:calendar", args=[business.public_id])
    body = client_as(owner).get(home).content.decode()
    assert "1 publication attend votre validation." in body
    assert calendar in body
    assert "attend votre validation" not in client_as(helper).get(home).content.decode()
    Post.objects.filter(pk=awaiting.pk).update(status=PostStatus.CHANGES_REQUESTED)
    assert "1 de vos publications est à retoucher." in client_as(helper).get(home).content.decode()
