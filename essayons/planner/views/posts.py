from __future__ import annotations

import json
from datetime import date, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, scoped_get
from essayons.planner.forms import MoveForm, PostForm, ReviewForm
from essayons.planner.kinds import ContentKind
from essayons.planner.models import EventAction, Post, PostStatus
from essayons.planner.previews import network_previews
from essayons.planner.queries import live_posts, plan_settings, post_history, rule_allows
from essayons.planner.services import (
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
from essayons.planner.views.common import UNDO_KEY, is_htmx, planner_view

DEFAULT_TIME = time(12, 0)


def _post(request: BusinessRequest, post_id: int) -> Post:
    return scoped_get(live_posts(request.business).select_related("business"), request, pk=post_id)


def _data(form: PostForm) -> PostData:
    if form.when is None:  # a valid form always has one
        raise ValueError("a valid post form has a date and time")
    return PostData(
        text=form.cleaned_data["text"],
        kind=form.cleaned_data["kind"],
        channels=form.cleaned_data["channels"],
        scheduled_at=form.when,
    )


def _submit_label(request: BusinessRequest, kind: str | None = None) -> str:
    if request.membership.can(Perm.APPROVE_POSTS):
        return _("Schedule")
    if kind and rule_allows(business=request.business, user=request.user, kind=kind):
        return _("Schedule (allowed by the owner)")
    return _("Send for approval")


def _composer(
    request: BusinessRequest,
    form: PostForm,
    post: Post | None,
    *,
    conflict: Post | None = None,
    status: int | None = None,
) -> HttpResponse:
    request_event = (
        post.events.filter(action=EventAction.CHANGES_REQUESTED).select_related("actor").last()
        if post is not None and post.status == PostStatus.CHANGES_REQUESTED
        else None
    )
    context = {
        "form": form,
        "post": post,
        "conflict": conflict,
        "change_request": request_event,
        "submit_label": _submit_label(request, post.kind if post else None),
        "existing_images": list(post.images.all()) if post else [],
    }
    if status is None:
        status = 400 if form.errors else 200
    return render(request, "planner/composer.html", context, status=status)


@planner_view(Perm.DRAFT_POSTS)
def post_new(request: BusinessRequest) -> HttpResponse:
    submit = request.POST.get("action") == "submit"
    form = PostForm(
        request.POST or None,
        request.FILES or None,
        timezone_name=request.business.timezone,
        submit=submit,
    )
    if request.method == "POST" and form.is_valid():
        post = post_create(
            membership=request.membership,
            data=_data(form),
            images=form.checked_images,
            submit=submit,
        )
        messages.success(request, _status_message(post))
        return redirect("planner:post", request.business.public_id, post.pk)
    if request.method != "POST":
        form = PostForm(initial=_new_initial(request), timezone_name=request.business.timezone)
    return _composer(request, form, None)


def _new_initial(request: BusinessRequest) -> dict[str, Any]:
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate() + timedelta(days=1)
    return {
        "date": max(day, timezone.localdate()),
        "time": DEFAULT_TIME,
        "channels": plan_settings(business=request.business).channels,
        "kind": request.GET.get("kind")
        if request.GET.get("kind") in ContentKind.values
        else ContentKind.PRODUCTS,
    }


def _status_message(post: Post) -> str:
    messages_by_status: dict[str, str] = {
        PostStatus.DRAFT: _("Draft saved."),
        PostStatus.AWAITING_APPROVAL: _("Sent for approval: the owner is told."),
        PostStatus.SCHEDULED: _("Scheduled: it will wait for its time."),
    }
    return messages_by_status.get(post.status, _("Saved."))


def _detail(
    request: BusinessRequest,
    post: Post,
    *,
    review_form: ReviewForm | None = None,
    move_form: MoveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    local = timezone.localtime(post.scheduled_at)
    can_review = (
        request.membership.can(Perm.APPROVE_POSTS)
        and post.status == PostStatus.AWAITING_APPROVAL
        and post.submitted_by_id != request.user.pk
    )
    context = {
        "post": post,
        "images": list(post.images.all()),
        "history": post_history(post),
        "previews": network_previews(post.text, post.channels, post.images.count()),
        "can_review": can_review,
        "review_form": review_form or ReviewForm(initial={"version": post.version}),
        "review_open": review_form is not None,
        "move_form": move_form
        or MoveForm(
            initial={"date": local.date(), "time": local.time(), "version": post.version},
            timezone_name=request.business.timezone,
            current_time=local.time(),
        ),
    }
    return render(request, "planner/post.html", context, status=status)


@planner_view(Perm.DRAFT_POSTS)
def post_detail(request: BusinessRequest, post_id: int) -> HttpResponse:
    return _detail(request, _post(request, post_id))


@planner_view(Perm.DRAFT_POSTS)
def post_edit(request: BusinessRequest, post_id: int) -> HttpResponse:
    post = _post(request, post_id)
    if post.is_locked:
        messages.error(
            request,
            _("This post is being published or already published: it cannot change any more."),
        )
        return redirect("planner:post", request.business.public_id, post.pk)
    submit = request.POST.get("action") == "submit"
    existing = [(image.pk, str(image.pk)) for image in post.images.all()]
    local = timezone.localtime(post.scheduled_at)
    initial = {
        "text": post.text,
        "channels": post.channels,
        "kind": post.kind,
        "date": local.date(),
        "time": local.time(),
        "version": post.version,
    }
    form = PostForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        timezone_name=request.business.timezone,
        existing_images=existing,
        submit=submit,
    )
    form.fields["version"].required = True
    if request.method == "POST" and form.is_valid():
        try:
            post = post_update(
                post=post,
                membership=request.membership,
                data=_data(form),
                version=form.cleaned_data["version"],
                images=form.checked_images,
                remove_images=form.cleaned_data["remove_images"],
                submit=submit,
            )
        except StaleEdit as stale:
            return _composer(request, form, post, conflict=stale.current, status=409)
        except PostRefused as refused:
            messages.error(request, refused.message)
            return redirect("planner:post", request.business.public_id, post.pk)
        messages.success(request, _status_message(post))
        return redirect("planner:post", request.business.public_id, post.pk)
    return _composer(request, form, post)


def _safe_next(request: BusinessRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    prefix = f"/e/{request.business.public_id}/"
    if target.startswith(prefix) and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return target
    return fallback


@planner_view(Perm.DRAFT_POSTS)
def post_move_view(request: BusinessRequest, post_id: int) -> HttpResponse:
    """Quick reschedule (a form) or a drop in the calendar (htmx): a new day, maybe a new time."""
    post = _post(request, post_id)
    detail = reverse("planner:post", args=[request.business.public_id, post.pk])
    if request.method != "POST":
        return redirect(detail)
    current = timezone.localtime(post.scheduled_at).time()
    form = MoveForm(request.POST, timezone_name=request.business.timezone, current_time=current)
    if form.is_valid() and form.when is not None:
        try:
            post_move(
                post=post,
                membership=request.membership,
                scheduled_at=form.when,
                version=form.cleaned_data["version"],
            )
            messages.success(request, _("Moved to %(when)s.") % {"when": _when_text(form.when)})
        except StaleEdit:
            messages.error(
                request,
                _("Someone changed this post meanwhile: look at it again before moving it."),
            )
        except PostRefused as refused:
            messages.error(request, refused.message)
    else:
        if not is_htmx(request):
            return _detail(request, post, move_form=form, status=400)
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, _("Not moved: %(reason)s") % {"reason": " ".join(errors)})
    target = _safe_next(request, detail)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Location"] = json.dumps(
            {"path": target, "target": "#calendar", "swap": "outerHTML"}
        )
        return response
    return redirect(target)


def _when_text(when: Any) -> str:
    return formats.date_format(timezone.localtime(when), "l j F, H:i")


@planner_view(Perm.DRAFT_POSTS)
def post_duplicate_view(request: BusinessRequest, post_id: int) -> HttpResponse:
    post = _post(request, post_id)
    if request.method != "POST":
        return redirect("planner:post", request.business.public_id, post.pk)
    copy = post_duplicate(post=post, membership=request.membership)
    messages.success(
        request, _("Copy made as a draft for %(when)s.") % {"when": _when_text(copy.scheduled_at)}
    )
    return redirect("planner:post_edit", request.business.public_id, copy.pk)


@planner_view(Perm.DRAFT_POSTS)
def post_delete_view(request: BusinessRequest, post_id: int) -> HttpResponse:
    post = _post(request, post_id)
    if request.method != "POST":
        return redirect("planner:post", request.business.public_id, post.pk)
    try:
        post_delete(post=post, membership=request.membership)
    except PostRefused as refused:
        messages.error(request, refused.message)
        return redirect("planner:post", request.business.public_id, post.pk)
    request.session[UNDO_KEY] = post.pk
    week = timezone.localtime(post.scheduled_at).date().isoformat()
    return redirect(reverse("planner:week", args=[request.business.public_id]) + f"?week={week}")


@planner_view(Perm.DRAFT_POSTS)
def post_restore_view(request: BusinessRequest, post_id: int) -> HttpResponse:
    post = scoped_get(Post.objects.filter(deleted_at__isnull=False), request, pk=post_id)
    if request.method != "POST":
        raise Http404("Restoring is a POST")
    post = post_restore(post=post, membership=request.membership)
    messages.success(request, _("The post is back."))
    return redirect("planner:post", request.business.public_id, post.pk)


@planner_view(Perm.APPROVE_POSTS)
def post_review_view(request: BusinessRequest, post_id: int) -> HttpResponse:
    """Approve, or ask for a change with a comment: two taps from the phone."""
    post = _post(request, post_id)
    if request.method != "POST":
        return redirect("planner:post", request.business.public_id, post.pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _detail(request, post, review_form=form, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        post_review(
            post=post,
            membership=request.membership,
            approve=approve,
            comment=form.cleaned_data["comment"].strip(),
            version=form.cleaned_data["version"],
        )
        messages.success(
            request,
            _("Approved: the post is scheduled.") if approve else _("Your request is sent."),
        )
    except StaleEdit:
        messages.error(
            request,
            _("The post changed since you opened it: read the new version before deciding."),
        )
    except PostRefused as refused:
        messages.error(request, refused.message)
    return redirect("planner:post", request.business.public_id, post.pk)
