from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view, scoped_get
from essayons.diagnostic import queries, services
from essayons.diagnostic.forms import ScreenForm
from essayons.diagnostic.glossary import TERMS
from essayons.diagnostic.models import DiagnosticRun
from essayons.diagnostic.questions import SCREENS, screen_by_slug
from essayons.diagnostic.rules import RULESETS, ruleset_for
from essayons.diagnostic.rules.catalogue import catalogue


def glossary(request: HttpRequest) -> HttpResponse:
    terms = sorted(TERMS, key=lambda t: str(t.name).casefold())
    return render(request, "diagnostic/glossary.html", {"terms": terms})


def rules(request: HttpRequest) -> HttpResponse:
    """Every rule of every version, so that anyone can read why a report says what it says."""
    versions = [(ruleset_for(v).version, catalogue(ruleset_for(v))) for v in reversed(RULESETS)]
    return render(request, "diagnostic/rules.html", {"versions": versions})


def _screen_url(request: BusinessRequest, run: DiagnosticRun, index: int) -> str:
    return reverse(
        "diagnostic:screen", args=[request.business.public_id, run.pk, SCREENS[index].slug]
    )


def _report_url(request: BusinessRequest) -> str:
    return reverse("diagnostic:report", args=[request.business.public_id])


def _render_report(request: BusinessRequest, run: DiagnosticRun | None) -> HttpResponse:
    business = request.business
    return render(
        request,
        "diagnostic/report.html",
        {
            "shown": queries.run_report(run) if run else None,
            "open_run": queries.run_open(business),
            "history": queries.runs_completed(business),
            "screens_total": len(SCREENS),
            "can_edit": request.membership.can(Perm.EDIT_DIAGNOSTIC),
        },
    )


@business_view(Perm.VIEW_DIAGNOSTIC)
def report(request: BusinessRequest) -> HttpResponse:
    return _render_report(request, queries.runs_completed(request.business).first())


@business_view(Perm.VIEW_DIAGNOSTIC)
def run_report(request: BusinessRequest, run_id: int) -> HttpResponse:
    run = scoped_get(DiagnosticRun.objects.filter(completed_at__isnull=False), request, pk=run_id)
    return _render_report(request, run)


@business_view(Perm.EDIT_DIAGNOSTIC)
def questionnaire(request: BusinessRequest) -> HttpResponse:
    """Resume the run in progress, or present the questionnaire before starting one."""
    open_run = queries.run_open(request.business)
    if open_run is not None:
        return redirect(_screen_url(request, open_run, open_run.resume_index()))
    last = queries.runs_completed(request.business).first()
    return render(request, "diagnostic/questionnaire.html", {"last": last, "screens": SCREENS})


@business_view(Perm.EDIT_DIAGNOSTIC)
@require_POST
def start(request: BusinessRequest) -> HttpResponse:
    run = services.run_start(business=request.business, user=request.user)
    return redirect(_screen_url(request, run, run.resume_index()))


@business_view(Perm.EDIT_DIAGNOSTIC)
def screen(request: BusinessRequest, run_id: int, slug: str) -> HttpResponse:
    run = scoped_get(DiagnosticRun.objects.all(), request, pk=run_id)
    found = screen_by_slug(slug)
    if found is None:
        raise Http404("No such screen")
    index, current = found
    if run.is_completed:
        return redirect("diagnostic:run_report", request.business.public_id, run.pk)
    if request.method == "POST":
        # Only "back" and "later" save without requiring every answer; anything else is "next".
        action = request.POST.get("action")
        action = action if action in ("back", "later") else "next"
        form = ScreenForm(
            request.POST, screen=current, answers=run.answers_dict(), partial=action != "next"
        )
        if form.is_valid():
            try:
                run = services.run_answer(
                    run=run,
                    screen_index=index,
                    answers=form.answers(),
                    user=request.user,
                    advance=action == "next",
                )
            except services.RunClosed:
                messages.info(request, _("This diagnostic was completed in the meantime."))
                return _go(request, _report_url(request))
            return _go(request, _after_save(request, run, index, action))
    else:
        form = ScreenForm(initial=run.answers_dict(), screen=current, answers=run.answers_dict())
    template = "diagnostic/_screen.html" if _is_htmx(request) else "diagnostic/screen.html"
    return render(request, template, _screen_context(run, form, index))


def _screen_context(run: DiagnosticRun, form: ScreenForm, index: int) -> dict[str, object]:
    return {
        "run": run,
        "form": form,
        "screen": form.screen,
        "index": index,
        "number": index + 1,
        "total": len(SCREENS),
        "percent": round(100 * index / len(SCREENS)),
        "is_last": index == len(SCREENS) - 1,
    }


def _after_save(request: BusinessRequest, run: DiagnosticRun, index: int, action: str) -> str:
    if run.is_completed:
        messages.success(request, _("Thank you: here is your diagnostic."))
        return _report_url(request)
    if action == "later":
        messages.success(
            request, _("Your answers are saved. Come back whenever you like: we'll resume here.")
        )
        return _report_url(request)
    if action == "back":
        return _screen_url(request, run, max(index - 1, 0))
    if index == len(SCREENS) - 1:
        messages.warning(request, _("A few questions still need an answer."))
        return _screen_url(request, run, run.resume_index())
    return _screen_url(request, run, index + 1)


def _go(request: BusinessRequest, url: str) -> HttpResponse:
    """Redirect; htmx gets the same as a header so the whole page changes."""
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _is_htmx(request: HttpRequest) -> bool:
    # Set by django-htmx's middleware; BusinessRequest does not declare it.
    return bool(getattr(request, "htmx", False))
