from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from essayons.accounts.roles import Perm
from essayons.accounts.tenancy import BusinessRequest, business_view


def glossary(request: HttpRequest) -> HttpResponse:
    return render(request, "diagnostic/glossary.html")


@business_view(Perm.VIEW_DIAGNOSTIC)
def report(request: BusinessRequest) -> HttpResponse:
    return render(request, "diagnostic/report.html")
