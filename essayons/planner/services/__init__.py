"""Every write of the planner: plans, posts and their workflow, images, the weekly preparation."""

from essayons.planner.services.plans import approval_rule_save, effort_save, plan_save
from essayons.planner.services.posts import (
    PostData,
    PostRefused,
    StaleEdit,
    post_create,
    post_delete,
    post_duplicate,
    post_move,
    post_restore,
    post_review,
    post_update,
)
from essayons.planner.services.week import WeekPrepared, week_prepare

__all__ = [
    "PostData",
    "PostRefused",
    "StaleEdit",
    "WeekPrepared",
    "approval_rule_save",
    "effort_save",
    "plan_save",
    "post_create",
    "post_delete",
    "post_duplicate",
    "post_move",
    "post_restore",
    "post_review",
    "post_update",
    "week_prepare",
]
