"""Who may see and do what: owner and advisor answer, the helper reads, the cashier is
refused politely, an outsider sees nothing (404)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from essayons.diagnostic.models import DiagnosticRun
from essayons.diagnostic.tests.conftest import answer_all, report_url, screen_url, text

pytestmark = pytest.mark.django_db

POLITE_REFUSAL = "ne fait pas partie de votre rôle"


def urls(business, run):
    return {
        "report": report_url(business),
        "questionnaire": reverse("diagnostic:questionnaire", args=[business.public_id]),
        "screen": screen_url(business, run, 0),
        "run_report": reverse("diagnostic:run_report", args=[business.public_id, run.pk]),
    }


def test_owner_and_advisor_open_everything(business, owner, advisor, open_run, client_as):
    for person in (owner, advisor):
        client = client_as(person)
        for name in ("report", "screen"):
            assert client.get(urls(business, open_run)[name]).status_code == 200, name
        assert client.get(urls(business, open_run)["questionnaire"]).status_code == 302


def test_helper_reads_the_report_but_cannot_answer(business, owner, helper, client_as):
    run = answer_all(client_as(owner), business)
    client = client_as(helper)
    page = client.get(report_url(business))
    assert page.status_code == 200
    assert "V-SMALL-STEPS" in text(page)
    assert "Refaire l'état des lieux" not in text(page)
    assert client.get(urls(business, run)["run_report"]).status_code == 200
    assert client.get(urls(business, run)["questionnaire"]).status_code == 403
    start = client.post(reverse("diagnostic:start", args=[business.public_id]))
    assert start.status_code == 403
    assert DiagnosticRun.objects.filter(business=business).count() == 1


def test_helper_cannot_post_answers(business, helper, open_run, client_as):
    url = screen_url(business, open_run, 0)
    response = client_as(helper).post(url, {"interest": "yes", "action": "next"})
    assert response.status_code == 403
    assert POLITE_REFUSAL in text(response)
    open_run.refresh_from_db()
    assert open_run.answers == {}


def test_cashier_gets_the_polite_refusal_everywhere(business, cashier, open_run, client_as):
    client = client_as(cashier)
    for name, url in urls(business, open_run).items():
        response = client.get(url)
        assert response.status_code == 403, name
        assert POLITE_REFUSAL in text(response), name
    response = client.post(reverse("diagnostic:start", args=[business.public_id]))
    assert response.status_code == 403


def test_outsider_sees_nothing(business, outsider, open_run, client_as):
    client = client_as(outsider)
    for name, url in urls(business, open_run).items():
        assert client.get(url).status_code == 404, name
    assert client.post(reverse("diagnostic:start", args=[business.public_id])).status_code == 404
    assert DiagnosticRun.objects.count() == 1


def test_anonymous_is_sent_to_log_in(business, open_run, client_as):
    response = client_as(None).get(report_url(business))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_run_of_another_business_answers_404(
    business, other_business, owner, outsider, client_as
):
    foreign = DiagnosticRun.objects.create(
        business=other_business, rules_version="v1", completed_at="2026-01-01T10:00:00Z"
    )
    client = client_as(owner)
    assert client.get(screen_url(business, foreign, 0)).status_code == 404
    run_report = reverse("diagnostic:run_report", args=[business.public_id, foreign.pk])
    assert client.get(run_report).status_code == 404
    post = client.post(screen_url(business, foreign, 0), {"interest": "no", "action": "next"})
    assert post.status_code == 404
    foreign.refresh_from_db()
    assert foreign.answers == {}


def test_unknown_run_or_screen_answers_404(business, owner, open_run, client_as):
    client = client_as(owner)
    missing = reverse("diagnostic:screen", args=[business.public_id, 999999, "trois-questions"])
    assert client.get(missing).status_code == 404
    unknown = reverse("diagnostic:screen", args=[business.public_id, open_run.pk, "nope"])
    assert client.get(unknown).status_code == 404


def test_start_needs_a_post(business, owner, client_as):
    response = client_as(owner).get(reverse("diagnostic:start", args=[business.public_id]))
    assert response.status_code == 405
    assert not DiagnosticRun.objects.exists()


def test_glossary_and_rules_are_public(client_as):
    client = client_as(None)
    assert client.get(reverse("diagnostic:glossary")).status_code == 200
    assert client.get(reverse("diagnostic:rules")).status_code == 200


def test_without_a_run_the_owner_is_invited_and_the_helper_told(business, owner, helper, client_as):
    owner_page = text(client_as(owner).get(report_url(business)))
    assert reverse("diagnostic:questionnaire", args=[business.public_id]) in owner_page
    assert "Commencer l'état des lieux" in owner_page
    helper_page = text(client_as(helper).get(report_url(business)))
    assert "n'a pas encore fait l'état des lieux" in helper_page
    assert reverse("diagnostic:questionnaire", args=[business.public_id]) not in helper_page


def test_the_advisor_can_answer_for_the_business(business, advisor, client_as):
    run = answer_all(client_as(advisor), business)
    assert run.is_completed
    assert run.answered_by == advisor
    assert run.started_by == advisor
