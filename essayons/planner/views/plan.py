from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essayons.accounts.models import Membership
from essayons.accounts.roles import Perm, Role
from essayons.accounts.tenancy import BusinessRequest
from essayons.planner.effort import DEFAULT_EFFORT, effort_from_data
from essayons.planner.forms import ApprovalRuleForm, EffortForm, PlanForm
from essayons.planner.kinds import ContentKind
from essayons.planner.models import ApprovalRule
from essayons.planner.queries import plan_settings, weekly_plan
from essayons.planner.services import approval_rule_save, effort_save, plan_save, week_prepare
from essayons.planner.views.common import is_htmx, page_or_partial, planner_view
from essayons.planner.when import week_start


def _plan_initial(request: BusinessRequest) -> dict[str, object]:
    plan = plan_settings(business=request.business)
    initial: dict[str, object] = {"hours": plan.hours_per_week, "channels": plan.channels}
    initial.update({f"rhythm_{c}": n for c, n in plan.rhythm.items()})
    return initial


@planner_view(Perm.DRAFT_POSTS)
def plan(request: BusinessRequest) -> HttpResponse:
    """“Mon plan”: the week sized to the hours; the owner changes hours, networks, rhythm."""
    can_edit = request.membership.can(Perm.EDIT_PLAN)
    form = PlanForm(request.POST or None, initial=_plan_initial(request))
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(Perm.EDIT_PLAN)
        if form.is_valid():
            plan_save(
                business=request.business,
                hours=form.cleaned_data["hours"],
                channels=form.cleaned_data["channels"],
                rhythm=form.rhythm(),
                by=request.user,
            )
            if not is_htmx(request):
                messages.success(request, _("Your plan is updated."))
                return redirect("planner:plan", request.business.public_id)
            form = PlanForm(initial=_plan_initial(request))
        else:
            status = 400
    settings = plan_settings(business=request.business)
    next_monday = week_start(timezone.localdate()) + timedelta(days=7)
    context = {
        "form": form,
        "can_edit": can_edit,
        "saved": settings.pk is not None,
        "weekly": weekly_plan(settings, monday=next_monday),
        "next_monday": next_monday,
        "next_sunday": next_monday + timedelta(days=6),
    }
    return page_or_partial(
        request, "planner/plan.html", "planner/_plan.html", context, status=status
    )


@planner_view(Perm.DRAFT_POSTS)
def prepare_week(request: BusinessRequest) -> HttpResponse:
    """Fill a coming week's planned slots with drafts; running it twice adds nothing."""
    if request.method != "POST":
        return redirect("planner:plan", request.business.public_id)
    today_monday = week_start(timezone.localdate())
    try:
        monday = week_start(date.fromisoformat(request.POST.get("week", "")))
    except ValueError:
        monday = today_monday + timedelta(days=7)
    if not today_monday <= monday <= today_monday + timedelta(weeks=52):
        raise Http404("Week out of range")
    done = week_prepare(membership=request.membership, monday=monday)
    messages.success(
        request,
        ngettext("%(count)s draft prepared.", "%(count)s drafts prepared.", done.created)
        % {"count": done.created},
    )
    if done.already:
        messages.info(
            request,
            ngettext(
                "%(count)s slot already had its draft.",
                "%(count)s slots already had their draft.",
                done.already,
            )
            % {"count": done.already},
        )
    if done.left_out:
        messages.warning(
            request,
            ngettext(
                "%(count)s post asked for does not fit in your hours: it was left out.",
                "%(count)s posts asked for do not fit in your hours: they were left out.",
                done.left_out,
            )
            % {"count": done.left_out},
        )
    return redirect(reverse("planner:week", args=[request.business.public_id]) + f"?week={monday}")


@planner_view(Perm.DRAFT_POSTS)
def effort(request: BusinessRequest) -> HttpResponse:
    """The effort model: minutes per kind of post and network, minutes per reply."""
    can_edit = request.membership.can(Perm.EDIT_PLAN)
    settings = plan_settings(business=request.business)
    model = effort_from_data(settings.effort)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(Perm.EDIT_PLAN)
    if request.method == "POST" and "reset" in request.POST:
        effort_save(business=request.business, effort=DEFAULT_EFFORT, by=request.user)
        messages.success(request, _("The figures are back to Essayons's defaults."))
        return redirect("planner:effort", request.business.public_id)
    form = EffortForm(request.POST or None, initial=EffortForm.initial_from(model))
    if request.method == "POST" and form.is_valid():
        effort_save(business=request.business, effort=form.effort(), by=request.user)
        messages.success(request, _("Your figures are saved; the plan uses them now."))
        return redirect("planner:plan", request.business.public_id)
    return render(
        request,
        "planner/effort.html",
        {"form": form, "can_edit": can_edit, "kinds": ContentKind.choices},
        status=400 if form.errors else 200,
    )


@planner_view(Perm.APPROVE_POSTS)
def rules(request: BusinessRequest) -> HttpResponse:
    """Which kinds of content each helper may schedule without approval."""
    helpers = list(
        Membership.objects.filter(business=request.business, role=Role.HELPER).select_related(
            "user"
        )
    )
    existing = {
        rule.helper_id: rule.kinds
        for rule in ApprovalRule.objects.filter(business=request.business)
    }
    bound: dict[int, ApprovalRuleForm] = {}
    if request.method == "POST":
        chosen = request.POST.get("helper", "")
        membership = next((m for m in helpers if str(m.user_id) == chosen), None)
        if membership is None:
            raise Http404("Not a helper of this business")
        form = ApprovalRuleForm(request.POST, prefix=f"h{membership.user_id}")
        if form.is_valid():
            approval_rule_save(
                business=request.business,
                helper=membership.user,
                kinds=form.cleaned_data["kinds"],
                by=request.user,
            )
            messages.success(
                request, _("The rule for %(name)s is saved.") % {"name": membership.user}
            )
            return redirect("planner:rules", request.business.public_id)
        bound[membership.user_id] = form
    rows = [
        (
            m,
            bound.get(m.user_id)
            or ApprovalRuleForm(
                initial={"kinds": existing.get(m.user_id, [])}, prefix=f"h{m.user_id}"
            ),
        )
        for m in helpers
    ]
    return render(request, "planner/rules.html", {"rows": rows}, status=400 if bound else 200)
