from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view, scoped_get
from essayons.inbox import queries, services
from essayons.inbox.explain import reply_problem
from essayons.inbox.forms import (
    CounterForm,
    FilterForm,
    LabelForm,
    ReplyCheckForm,
    ReplyForm,
    TargetForm,
)
from essayons.inbox.models import Message, Reply, ReplyStatus
from essayons.inbox.procedures import procedure_for, reply_suggest
from essayons.inbox.triage import Label


def _may_answer(request: BusinessRequest, message: Message) -> bool:
    """Routine messages: whoever drafts posts; complaints: the owner or the advisor only."""
    if message.label == Label.COMPLAINT:
        return request.membership.can(Perm.APPROVE_POSTS)
    return request.membership.can(Perm.DRAFT_POSTS)


@business_view(Perm.DRAFT_POSTS)
def inbox_list(request: BusinessRequest) -> HttpResponse:
    """Unhappy customers first, then questions, then the rest; oldest first within each."""
    filters = FilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = queries.inbox_messages(business=request.business, **chosen)
    template = "inbox/_list.html" if request.htmx else "inbox/list.html"  # type: ignore[attr-defined]
    context = {
        "rows": rows,
        "filters": filters,
        "labels": Label.choices,
        "month": queries.inbox_month_summary(business=request.business),
    }
    return render(request, template, context)


@business_view(Perm.DRAFT_POSTS)
def conversation(request: BusinessRequest, message_id: int) -> HttpResponse:
    """One message with its context, the procedure, and a reply to edit."""
    message = scoped_get(Message.objects.select_related("conversation"), request, pk=message_id)
    return _conversation_page(request, message, ReplyForm(initial={"text": _draft(message)}))


def _draft(message: Message) -> str:
    draft = message.replies.filter(status__in=[ReplyStatus.DRAFT, ReplyStatus.FAILED]).first()
    if draft is not None:
        return draft.text
    return reply_suggest(
        message.label,
        customer_name=message.author_name,
        facts=queries.facts_for(message.business),
        tone=queries.tone_for(message.business),
    )


def _conversation_page(
    request: BusinessRequest, message: Message, form: ReplyForm, status: int = 200
) -> HttpResponse:
    hours = queries.target_hours(request.business)
    context = {
        "message": message,
        "earlier": queries.earlier_messages(message),
        "procedure": procedure_for(
            message.label,
            target_hours=hours.get(message.label, 0),
            tone=queries.tone_for(request.business),
        ),
        "form": form,
        "may_answer": _may_answer(request, message),
        "offline": services.is_offline(message),
        "replies": [_with_problem(r) for r in message.replies.order_by("-created_at")],
        "labels": Label.choices,
    }
    return render(request, "inbox/conversation.html", context, status=status)


def _with_problem(reply: Reply) -> Reply:
    reply.problem = reply_problem(reply)  # type: ignore[attr-defined]
    return reply


@require_POST
@business_view(Perm.DRAFT_POSTS)
def label_correct(request: BusinessRequest, message_id: int) -> HttpResponse:
    message = scoped_get(Message.objects.all(), request, pk=message_id)
    if message.label == Label.COMPLAINT and not request.membership.can(Perm.APPROVE_POSTS):
        return HttpResponse(_("Only the owner can change this label."), status=403)
    form = LabelForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown label."), status=400)
    services.label_correct(message=message, label=form.cleaned_data["label"], by=request.user)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "inbox/_label.html", {"message": message, "labels": Label.choices})
    return redirect("inbox:conversation", request.business.public_id, message.pk)


@require_POST
@business_view(Perm.DRAFT_POSTS)
def reply(request: BusinessRequest, message_id: int) -> HttpResponse:
    """Save the reply; with "send", a person has pressed send and it goes out."""
    message = scoped_get(Message.objects.select_related("conversation"), request, pk=message_id)
    if not _may_answer(request, message) or services.is_offline(message):
        return HttpResponse(_("You cannot send this reply."), status=403)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _conversation_page(request, message, form, status=400)
    draft = services.reply_draft_save(message=message, text=form.cleaned_data["text"])
    if "send" in request.POST and services.reply_press_send(reply=draft, by=request.user):
        messages.success(request, _("Your reply is on its way."))
    else:
        messages.success(request, _("Your reply is saved."))
    return redirect("inbox:conversation", request.business.public_id, message.pk)


@require_POST
@business_view(Perm.DRAFT_POSTS)
def reply_check(request: BusinessRequest, message_id: int, reply_id: int) -> HttpResponse:
    """A reply whose fate is unknown: ask the network now, or say what the owner saw there."""
    message = scoped_get(Message.objects.select_related("conversation"), request, pk=message_id)
    reply = get_object_or_404(message.replies.all(), pk=reply_id, status=ReplyStatus.UNKNOWN)
    if not _may_answer(request, message):
        return HttpResponse(_("You cannot answer this message."), status=403)
    form = ReplyCheckForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown choice."), status=400)
    answer = form.cleaned_data["answer"]
    if answer == "check":
        done = services.reply_reconcile(reply_id=reply.pk)
        messages.info(request, _check_said(done.status))
    else:
        services.reply_confirm(reply=reply, arrived=answer == "there", by=request.user)
        messages.success(request, _("Thank you, it is noted."))
    return redirect("inbox:conversation", request.business.public_id, message.pk)


def _check_said(status: str) -> str:
    if status == ReplyStatus.SENT:
        return _("Your reply is there: it is marked as sent.")
    if status == ReplyStatus.FAILED:
        return _("Your reply did not arrive. You can send it again.")
    return _("The network cannot tell yet. Look on the network and tell us what you see.")


@require_POST
@business_view(Perm.DRAFT_POSTS)
def mark_answered(request: BusinessRequest, message_id: int) -> HttpResponse:
    message = scoped_get(Message.objects.all(), request, pk=message_id)
    if not _may_answer(request, message):
        return HttpResponse(_("You cannot answer this message."), status=403)
    services.message_mark_answered(message=message, by=request.user)
    messages.success(request, _("Marked as answered."))
    return redirect("inbox:conversation", request.business.public_id, message.pk)


@business_view(Perm.DRAFT_POSTS)
def counter_new(request: BusinessRequest) -> HttpResponse:
    """Something said at the counter or on the phone, noted in a few taps."""
    form = CounterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        message = services.counter_message_create(business=request.business, **form.cleaned_data)
        messages.success(request, _("Noted. Here is how to follow it up."))
        return redirect("inbox:conversation", request.business.public_id, message.pk)
    return render(request, "inbox/counter.html", {"form": form}, status=400 if form.errors else 200)


@business_view(Perm.DRAFT_POSTS)
def ambassadors(request: BusinessRequest) -> HttpResponse:
    people = queries.ambassadors(business=request.business)
    return render(request, "inbox/ambassadors.html", {"people": people})


@business_view(Perm.APPROVE_POSTS)
def targets(request: BusinessRequest) -> HttpResponse:
    form = TargetForm(request.POST or None, initial=queries.target_hours(request.business))
    if request.method == "POST" and form.is_valid():
        services.target_times_save(business=request.business, hours=form.cleaned_data)
        messages.success(request, _("Your answer times are saved."))
        return redirect("inbox:list", request.business.public_id)
    return render(request, "inbox/targets.html", {"form": form}, status=400 if form.errors else 200)
