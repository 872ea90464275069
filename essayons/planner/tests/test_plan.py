from decimal import Decimal

import pytest

from essayons.diagnostic.channels import Channel
from essayons.planner.effort import (
    DEFAULT_EFFORT,
    DEFAULT_POST_MINUTES,
    EffortModel,
    effort_from_data,
)
from essayons.planner.kinds import ContentKind, mix_sequence
from essayons.planner.plan import MAX_POSTS_PER_WEEK, plan_build

FB, IG, GOOGLE = Channel.FACEBOOK, Channel.INSTAGRAM, Channel.GOOGLE


def test_two_hours_a_week_gives_a_plan_that_fits_in_two_hours():
    plan = plan_build(hours=Decimal(2), channels=[IG, FB], effort=DEFAULT_EFFORT)
    assert plan.budget_minutes == 120
    assert plan.fits
    assert plan.total_minutes <= 120
    assert plan.reply_minutes == 30  # a quarter kept for answering customers
    assert plan.planned_minutes <= 90
    assert {slot.channel for slot in plan.fitting_slots} == {IG, FB}
    assert plan.replies_per_week == 10


@pytest.mark.parametrize("hours", ["0.5", "1", "1.5", "2", "3", "5", "8", "20"])
@pytest.mark.parametrize("channels", [[FB], [IG, FB], [GOOGLE, FB, IG, Channel.LINKEDIN]])
def test_an_automatic_plan_never_overbooks(hours, channels):
    plan = plan_build(hours=Decimal(hours), channels=channels, effort=DEFAULT_EFFORT)
    assert plan.total_minutes <= plan.budget_minutes
    assert all(slot.fits for slot in plan.slots)
    for line in plan.channel_lines:
        assert line.planned <= MAX_POSTS_PER_WEEK[line.channel]


def test_more_hours_never_give_fewer_posts():
    counts = [
        len(
            plan_build(
                hours=Decimal(h), channels=[IG, FB, GOOGLE], effort=DEFAULT_EFFORT
            ).fitting_slots
        )
        for h in range(0, 15)
    ]
    assert counts == sorted(counts)
    assert counts[0] == 0 and counts[-1] == sum(MAX_POSTS_PER_WEEK[c] for c in (IG, FB, GOOGLE))


def test_changing_the_hours_replans():
    small = plan_build(hours=Decimal(1), channels=[IG, FB], effort=DEFAULT_EFFORT)
    large = plan_build(hours=Decimal(4), channels=[IG, FB], effort=DEFAULT_EFFORT)
    assert len(large.fitting_slots) > len(small.fitting_slots)


def test_each_network_gets_a_first_post_before_any_gets_a_second():
    plan = plan_build(hours=Decimal("1.5"), channels=[IG, FB, GOOGLE], effort=DEFAULT_EFFORT)
    per_channel = {line.channel: line.planned for line in plan.channel_lines}
    assert min(per_channel.values()) >= 1
    assert max(per_channel.values()) - min(per_channel.values()) <= 1


def test_too_little_time_says_which_network_gets_nothing():
    plan = plan_build(hours=Decimal("0.5"), channels=[IG, FB], effort=DEFAULT_EFFORT)
    assert plan.posting_budget == 23
    assert [s.channel for s in plan.fitting_slots] == [FB] or plan.unplanned_channels
    assert not plan.fits
    assert IG in plan.unplanned_channels
    assert plan.hours_needed > Decimal("0.5")


def test_zero_hours_plans_nothing_and_says_so():
    plan = plan_build(hours=Decimal(0), channels=[FB], effort=DEFAULT_EFFORT)
    assert plan.slots == () and plan.unplanned_channels == [FB] and not plan.fits


def test_asking_for_more_than_fits_is_shown_not_silently_booked():
    plan = plan_build(
        hours=Decimal(2), channels=[IG, FB], effort=DEFAULT_EFFORT, asked={IG: 5, FB: 4}
    )
    assert not plan.fits
    assert len(plan.slots) == 9
    assert plan.over_minutes == plan.asked_minutes - plan.posting_budget > 0
    assert plan.planned_minutes <= plan.posting_budget
    assert plan.total_minutes <= plan.budget_minutes
    assert any(not slot.fits for slot in plan.slots)
    assert plan.hours_needed * 60 * 3 / 4 >= plan.asked_minutes


def test_asking_for_what_fits_is_kept_exactly():
    plan = plan_build(hours=Decimal(5), channels=[IG, FB], effort=DEFAULT_EFFORT, asked={IG: 2})
    assert plan.fits and not plan.automatic
    assert sum(1 for s in plan.slots if s.channel == IG) == 2
    assert sum(1 for s in plan.slots if s.channel == FB) >= 1


def test_slots_spread_over_the_week_and_keys_are_stable():
    plan = plan_build(hours=Decimal(4), channels=[IG], effort=DEFAULT_EFFORT)
    days = [slot.weekday for slot in plan.slots]
    assert len(set(days)) == len(days)
    assert [slot.key for slot in plan.slots] == [f"instagram-{n}" for n in range(len(days))]


def test_the_mix_follows_the_weights():
    sequence = mix_sequence(10)
    assert sequence.count(ContentKind.PRODUCTS) == 3
    assert sequence.count(ContentKind.OFFERS) == 1
    assert sequence[0] == ContentKind.PRODUCTS
    assert mix_sequence(3) == mix_sequence(10)[:3]


def test_a_slower_effort_model_plans_fewer_posts():
    slow = effort_from_data(
        {
            "post_minutes": {
                IG: dict.fromkeys(ContentKind.values, 90),
                FB: dict.fromkeys(ContentKind.values, 90),
            }
        }
    )
    fast = plan_build(hours=Decimal(3), channels=[IG, FB], effort=DEFAULT_EFFORT)
    slowed = plan_build(hours=Decimal(3), channels=[IG, FB], effort=slow)
    assert len(slowed.fitting_slots) < len(fast.fitting_slots)
    assert all(slot.minutes == 90 for slot in slowed.slots)


def test_effort_data_ignores_garbage_and_keeps_defaults():
    model = effort_from_data(
        {
            "post_minutes": {
                IG: {ContentKind.PRODUCTS: 5000, ContentKind.OFFERS: "x", ContentKind.LOCAL: 12},
                "tiktok": {},
            },
            "reply_minutes": True,
            "reply_share_percent": 40,
        }
    )
    assert (
        model.minutes(kind=ContentKind.PRODUCTS, channel=IG)
        == DEFAULT_POST_MINUTES[IG][ContentKind.PRODUCTS]
    )
    assert (
        model.minutes(kind=ContentKind.OFFERS, channel=IG)
        == DEFAULT_POST_MINUTES[IG][ContentKind.OFFERS]
    )
    assert model.minutes(kind=ContentKind.LOCAL, channel=IG) == 12
    assert model.reply_minutes == 3
    assert model.reply_share_percent == 40
    assert effort_from_data(model.as_data()) == model
    assert effort_from_data(None) == EffortModel()


def test_the_reply_share_is_kept_whatever_the_posts():
    effort = effort_from_data({"reply_share_percent": 50})
    plan = plan_build(hours=Decimal(2), channels=[IG, FB], effort=effort)
    assert plan.reply_minutes == 60
    assert plan.planned_minutes <= 60


def test_the_mix_turns_over_the_weeks_so_small_plans_meet_every_kind():
    seen = []
    for week in range(10):
        plan = plan_build(hours=Decimal(2), channels=[FB], effort=DEFAULT_EFFORT, week=week)
        assert plan.fits and plan.total_minutes <= 120
        seen += [slot.kind for slot in plan.fitting_slots]
    assert set(seen) == set(ContentKind.values)
    assert seen.count(ContentKind.PRODUCTS) > seen.count(ContentKind.OFFERS) > 0
    assert mix_sequence(4, week=1) == mix_sequence(11)[7:]
