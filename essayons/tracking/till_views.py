"""The till (the cashier's page) and the promo codes pages.

The till's forms work without JavaScript; till.js sends the same posts with
`Accept: application/json`, keeps the taps that could not leave the phone, and re-sends them.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view, scoped_get
from essayons.tracking.links_services import campaign_choose
from essayons.tracking.models import HeardFrom, PromoCode
from essayons.tracking.till_forms import (
    CodesForEmailsForm,
    DeclareForm,
    PromoCodeForm,
    RedeemForm,
)
from essayons.tracking.till_queries import TillToday, codes_of, till_today
from essayons.tracking.till_services import (
    RedeemOutcome,
    TillAnswer,
    code_activate,
    code_create,
    code_redeem,
    codes_for_emails,
    source_declare,
    tap_time,
)


@business_view(Perm.USE_TILL)
def till(request: BusinessRequest) -> HttpResponse:
    return render(request, "tracking/till.html", _till_context(request))


@business_view(Perm.USE_TILL)
@require_POST
def till_redeem(request: BusinessRequest) -> HttpResponse:
    form = RedeemForm(request.POST)
    if not form.is_valid():
        return _reply(request, ok=False, message=_first_error(form), form=form, status=400)
    data = form.cleaned_data
    outcome = code_redeem(
        business=request.business,
        code=data["code"],
        amount=data["amount"],
        client_key=data["client_key"],
        recorded_by=request.user,
        at=tap_time(data["tapped_at"]),
    )
    return _reply(
        request,
        ok=outcome.ok,
        message=redeem_message(outcome),
        detail=_offer(outcome),
        kind=outcome.answer,
        form=None if outcome.ok else form,
    )


@business_view(Perm.USE_TILL)
@require_POST
def till_declare(request: BusinessRequest) -> HttpResponse:
    form = DeclareForm(request.POST)
    if not form.is_valid():
        return _reply(request, ok=False, message=_("Tap one of the buttons."), status=400)
    declared, _created = source_declare(
        business=request.business,
        source=form.cleaned_data["source"],
        client_key=form.cleaned_data["client_key"],
        recorded_by=request.user,
        at=tap_time(form.cleaned_data["tapped_at"]),
    )
    message = _("Thank you! “%(source)s” is noted.") % {"source": declared.get_source_display()}
    return _reply(request, ok=True, message=message, kind="declared")


def _offer(outcome: RedeemOutcome) -> str:
    """What the cashier must give the customer, when the code says so."""
    if not (outcome.ok and outcome.promo and outcome.promo.description):
        return ""
    return _("To apply: %(offer)s") % {"offer": outcome.promo.description}


def redeem_message(outcome: RedeemOutcome) -> str:
    """The cashier's answer, in one plain sentence."""
    promo, code = outcome.promo, outcome.code
    if outcome.answer == TillAnswer.RECORDED and outcome.redemption is not None:
        return _("Recorded: %(code)s, basket of %(amount)s €.") % {
            "code": code,
            "amount": number_format(outcome.redemption.amount, 2),
        }
    if outcome.answer == TillAnswer.UNKNOWN:
        return _("Unknown code: %(code)s. Check the spelling with the customer.") % {"code": code}
    if outcome.answer == TillAnswer.INACTIVE:
        return _("The code %(code)s has been switched off: it no longer gives the offer.") % {
            "code": code
        }
    if outcome.answer == TillAnswer.NOT_YET and promo and promo.valid_from:
        return _("The code %(code)s is not valid yet: it starts on %(date)s.") % {
            "code": code,
            "date": date_format(promo.valid_from),
        }
    if outcome.answer == TillAnswer.EXPIRED and promo and promo.valid_until:
        return _("The code %(code)s expired on %(date)s.") % {
            "code": code,
            "date": date_format(promo.valid_until),
        }
    if outcome.answer == TillAnswer.USED:
        return _("The code %(code)s was already used: it works only once.") % {"code": code}
    return _("The code %(code)s has been used as many times as allowed (%(max)s).") % {
        "code": code,
        "max": promo.max_uses if promo else "",
    }


def _reply(
    request: BusinessRequest,
    *,
    ok: bool,
    message: str,
    detail: str = "",
    kind: str = "",
    form: RedeemForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = till_today(request.business)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(
            {
                "ok": ok,
                "kind": kind,
                "message": message,
                "detail": detail,
                "today": today_text(today),
            },
            status=status,
        )
    answer = {"ok": ok, "message": message, "detail": detail}
    context = _till_context(request, redeem_form=form, answer=answer, today=today)
    return render(request, "tracking/till.html", context, status=status)


def _till_context(
    request: BusinessRequest,
    *,
    redeem_form: RedeemForm | None = None,
    answer: dict[str, Any] | None = None,
    today: TillToday | None = None,
) -> dict[str, Any]:
    today = today or till_today(request.business)
    return {
        "redeem_form": redeem_form or RedeemForm(initial={"client_key": uuid4()}),
        "declare_key": uuid4(),
        "sources": HeardFrom.choices,
        "today_text": today_text(today),
        "answer": answer,
    }


def today_text(today: TillToday) -> str:
    codes = ngettext("%(count)s code", "%(count)s codes", today.codes) % {"count": today.codes}
    answers = ngettext("%(count)s answer", "%(count)s answers", today.answers) % {
        "count": today.answers
    }
    return _("Today: %(codes)s, %(answers)s") % {"codes": codes, "answers": answers}


def _first_error(form: RedeemForm) -> str:
    for field in ("code", "amount", "client_key", "tapped_at"):
        if field in form.errors:
            return str(form.errors[field][0])
    return _("Check what was typed.")


# --- Promo codes (owner, advisor) ------------------------------------------------------------


@business_view(Perm.VIEW_RESULTS)
def codes_list(request: BusinessRequest) -> HttpResponse:
    context = {
        "codes": codes_of(request.business),
        "can_edit": request.membership.can(Perm.APPROVE_POSTS),
    }
    return render(request, "tracking/codes_list.html", context)


@business_view(Perm.APPROVE_POSTS)
def code_new(request: BusinessRequest) -> HttpResponse:
    form = PromoCodeForm(request.POST or None, business=request.business)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            code_create(
                business=request.business,
                code=data["code"],
                campaign=campaign_choose(
                    business=request.business,
                    campaign=data["campaign"],
                    new_name=data["new_campaign"],
                ),
                description=data["description"],
                channel=data["channel"],
                single_use=data["single_use"],
                max_uses=data["max_uses"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
            )
        except ValidationError as error:  # created by someone else since the form was checked
            form.add_error("code", error)
        else:
            return redirect("tracking:codes", request.business.public_id)
    return render(request, "tracking/codes_form.html", {"form": form})


@business_view(Perm.APPROVE_POSTS)
def codes_generate(request: BusinessRequest) -> HttpResponse:
    form = CodesForEmailsForm(request.POST or None, business=request.business)
    codes: list[PromoCode] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        codes = codes_for_emails(
            business=request.business,
            emails=data["emails"],
            prefix=data["code_start"],
            campaign=campaign_choose(
                business=request.business, campaign=data["campaign"], new_name=data["new_campaign"]
            ),
            description=data["description"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )
    return render(request, "tracking/codes_generate.html", {"form": form, "codes": codes})


@business_view(Perm.APPROVE_POSTS)
@require_POST
def code_switch(request: BusinessRequest, pk: int) -> HttpResponse:
    promo = scoped_get(PromoCode.objects.all(), request, pk=pk)
    code_activate(promo=promo, active=request.POST.get("active") == "1")
    return redirect("tracking:codes", request.business.public_id)
