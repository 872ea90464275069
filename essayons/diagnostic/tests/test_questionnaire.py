"""Answering: save at each screen, finish later, resume, back, retake, and bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from essayons.diagnostic import services
from essayons.diagnostic.models import DiagnosticRun
from essayons.diagnostic.questions import SCREENS
from essayons.diagnostic.tests.answers import SCREEN_POSTS
from essayons.diagnostic.tests.conftest import answer_all, report_url, screen_url, text

pytestmark = pytest.mark.django_db


def start(client, business):
    response = client.post(reverse("diagnostic:start", args=[business.public_id]))
    return DiagnosticRun.objects.get(business=business, completed_at__isnull=True), response


def test_answers_are_saved_at_each_screen_and_the_last_one_completes(business, owner, client_as):
    client = client_as(owner)
    run, response = start(client, business)
    assert response["Location"] == screen_url(business, run, 0)
    for index, post in enumerate(SCREEN_POSTS):
        response = client.post(screen_url(business, run, index), {**post, "action": "next"})
        run.refresh_from_db()
        assert run.answers["interest"] == "maybe"
        assert run.current_step == index + 1
        if index < len(SCREENS) - 1:
            assert response["Location"] == screen_url(business, run, index + 1)
            assert run.completed_at is None
    assert run.completed_at is not None
    assert run.answers["hours_per_week"] == 2
    assert run.answers["age_groups"] == ["25_44", "45_64", "65_plus"]
    assert run.answers["instagram_followers"] is None
    page = client.get(report_url(business))
    assert "Merci : voici votre état des lieux." in text(page)


def test_finish_later_then_resume_at_the_first_unanswered_screen(business, owner, client_as):
    client = client_as(owner)
    run, _ = start(client, business)
    for index in (0, 1):
        client.post(screen_url(business, run, index), {**SCREEN_POSTS[index], "action": "next"})
    # On the website screen, only the first question is answered before leaving.
    later = client.post(screen_url(business, run, 2), {"website": "yes", "action": "later"})
    assert later["Location"] == report_url(business)
    run.refresh_from_db()
    assert run.answers["website"] == "yes"
    assert run.completed_at is None
    page = text(client.get(report_url(business)))
    assert "Vos réponses sont enregistrées" in page
    assert "écran 3 sur 8" in page
    resume = client.get(reverse("diagnostic:questionnaire", args=[business.public_id]))
    assert resume["Location"] == screen_url(business, run, 2)
    form = text(client.get(resume["Location"]))
    assert 'value="yes" id="id_website_0" checked' in form or (
        'id="id_website_0"' in form and "checked" in form
    )


def test_resume_goes_back_to_an_earlier_screen_left_incomplete(business, owner, client_as):
    client = client_as(owner)
    run, _ = start(client, business)
    client.post(screen_url(business, run, 0), {"interest": "yes", "action": "later"})
    client.post(screen_url(business, run, 1), {**SCREEN_POSTS[1], "action": "next"})
    run.refresh_from_db()
    assert run.resume_index() == 0
    resume = client.get(reverse("diagnostic:questionnaire", args=[business.public_id]))
    assert resume["Location"] == screen_url(business, run, 0)


def test_back_saves_what_was_typed_and_goes_to_the_previous_screen(business, owner, client_as):
    client = client_as(owner)
    run, _ = start(client, business)
    client.post(screen_url(business, run, 0), {**SCREEN_POSTS[0], "action": "next"})
    back = client.post(screen_url(business, run, 1), {"hours_per_week": "3", "action": "back"})
    assert back["Location"] == screen_url(business, run, 0)
    run.refresh_from_db()
    assert run.answers["hours_per_week"] == 3
    assert run.current_step == 1


def test_next_on_the_last_screen_with_a_gap_goes_to_the_gap(business, owner, client_as):
    client = client_as(owner)
    run, _ = start(client, business)
    for index, post in enumerate(SCREEN_POSTS):
        if index == 3:
            client.post(screen_url(business, run, index), {"action": "later"})
            continue
        client.post(screen_url(business, run, index), {**post, "action": "next"})
    run.refresh_from_db()
    assert run.completed_at is None
    last = client.post(screen_url(business, run, 7), {**SCREEN_POSTS[7], "action": "next"})
    assert last["Location"] == screen_url(business, run, 3)


def test_a_completed_run_is_never_edited(business, owner, client_as):
    client = client_as(owner)
    run = answer_all(client, business)
    response = client.post(screen_url(business, run, 0), {"interest": "no", "action": "next"})
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "diagnostic:run_report", args=[business.public_id, run.pk]
    )
    run.refresh_from_db()
    assert run.answers["interest"] == "maybe"
    with pytest.raises(services.RunClosed):
        services.run_answer(run=run, screen_index=0, answers={}, user=owner, advance=True)


def test_starting_twice_resumes_the_same_run(business, owner, advisor):
    first = services.run_start(business=business, user=owner)
    second = services.run_start(business=business, user=advisor)
    assert first.pk == second.pk
    assert DiagnosticRun.objects.filter(business=business).count() == 1


def test_retake_is_prefilled_and_shows_progress(business, owner, client_as):
    client = client_as(owner)
    first = answer_all(client, business)
    run, response = start(client, business)
    assert run.pk != first.pk
    assert run.answers == first.answers
    assert run.rules_version == "v1"
    assert response["Location"] == screen_url(business, run, 0)
    prefilled = text(client.get(response["Location"]))
    assert 'value="maybe"' in prefilled and "checked" in prefilled
    better = [dict(p) for p in SCREEN_POSTS]
    better[3] = {"google_claimed": "yes", "google_up_to_date": "yes", "reviews_answered": "always"}
    better[7] = {"complaint_who": "owner", "complaint_speed": "same_day", "promise_kept": "yes"}
    second = answer_all(client, business, better)
    assert second.pk == run.pk and second.is_completed
    page = text(client.get(report_url(business)))
    assert "Depuis le" in page
    assert "Fait depuis la dernière fois" in page
    assert "Revendiquez d'abord votre fiche Google" in page  # listed as done since
    assert 'class="badge good"' in page
    assert "+45" in page  # communication basics: +30 claimed, +15 up to date
    history = reverse("diagnostic:run_report", args=[business.public_id, first.pk])
    assert history in page
    old = text(client.get(history))
    assert "Depuis le" not in old  # the first run has nothing before it


REQUIRED_PER_SCREEN = [
    sum(1 for q in s.questions if q.required and q.applies_when is None) for s in SCREENS
]


@pytest.mark.parametrize("index", range(len(SCREENS)))
def test_each_screen_refuses_missing_answers_in_french(business, owner, open_run, client_as, index):
    client = client_as(owner)
    response = client.post(screen_url(business, open_run, index), {"action": "next"})
    assert response.status_code == 200
    page = text(response)
    missing = page.count("Merci de répondre à cette question.") + page.count(
        "Cochez au moins une réponse."
    )
    assert missing == REQUIRED_PER_SCREEN[index]
    assert "Quelques réponses sont à revoir" in page
    open_run.refresh_from_db()
    assert open_run.answers == {} and open_run.current_step == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-3", "Indiquez un nombre entre 0 et 60."),
        ("500", "Indiquez un nombre entre 0 et 60."),
        ("abc", "Indiquez un nombre, par exemple 2 ou 1,5."),
        ("1.55", "Un seul chiffre après la virgule"),
        ("9" * 100_000, "Indiquez un nombre entre 0 et 60."),
    ],
)
def test_hours_out_of_range_are_refused_and_kept(
    business, owner, open_run, client_as, value, message
):
    url = screen_url(business, open_run, 1)
    post = {**SCREEN_POSTS[1], "hours_per_week": value, "action": "next"}
    response = client_as(owner).post(url, post)
    assert response.status_code == 200
    page = text(response)
    assert message in page
    if len(value) < 10:
        assert f'value="{value}"' in page  # what was typed is shown again
    assert 'value="owner"' in page and "checked" in page
    open_run.refresh_from_db()
    assert "hours_per_week" not in open_run.answers


def test_zero_hours_and_french_decimal_are_accepted(business, owner, open_run, client_as):
    client = client_as(owner)
    url = screen_url(business, open_run, 1)
    client.post(url, {**SCREEN_POSTS[1], "hours_per_week": "0", "action": "next"})
    open_run.refresh_from_db()
    assert open_run.answers["hours_per_week"] == 0
    client.post(url, {**SCREEN_POSTS[1], "hours_per_week": "1,5", "action": "next"})
    open_run.refresh_from_db()
    assert open_run.answers["hours_per_week"] == 1.5


@pytest.mark.parametrize(
    ("index", "field", "value", "message"),
    [
        (1, "budget_per_month", "-10", "Indiquez un nombre entre 0 et 100000."),
        (5, "local_share", "150", "Indiquez un nombre entre 0 et 100."),
        (5, "local_share", "70%", "Indiquez un nombre entier"),
        (4, "facebook_followers", "-1", "Indiquez un nombre entre 0 et 10000000."),
        (4, "facebook_followers", "1" + "0" * 5000, "Indiquez un nombre"),
    ],
)
def test_numbers_out_of_range_on_other_screens(
    business, owner, open_run, client_as, index, field, value, message
):
    post = {**SCREEN_POSTS[index], field: value, "action": "next"}
    response = client_as(owner).post(screen_url(business, open_run, index), post)
    assert response.status_code == 200
    assert message in text(response)
    open_run.refresh_from_db()
    assert field not in open_run.answers


def test_followers_without_a_page_are_questioned(business, owner, open_run, client_as):
    post = {"facebook": "none", "facebook_followers": "600", "instagram": "none", "action": "next"}
    response = client_as(owner).post(screen_url(business, open_run, 4), post)
    assert response.status_code == 200
    assert "Vous avez répondu plus haut ne pas en avoir" in text(response)


def test_an_answer_that_no_longer_applies_is_not_kept(business, owner, open_run, client_as):
    post = {"website": "no", "website_age": "old", "website_sells": "orders", "action": "next"}
    client_as(owner).post(screen_url(business, open_run, 2), post)
    open_run.refresh_from_db()
    assert open_run.answers["website"] == "no"
    assert open_run.answers["website_age"] is None
    assert open_run.answers["website_sells"] is None


def test_a_website_needs_its_age(business, owner, open_run, client_as):
    post = {"website": "yes", "action": "next"}
    response = client_as(owner).post(screen_url(business, open_run, 2), post)
    assert text(response).count("Merci de répondre à cette question.") == 2


@pytest.mark.parametrize("index", [0, 1, 4, 5, 6])
def test_script_tags_are_refused_and_shown_escaped(business, owner, open_run, client_as, index):
    hostile = "<script>alert(1)</script>"
    post = {key: hostile for key in SCREEN_POSTS[index]}
    post["action"] = "next"
    response = client_as(owner).post(screen_url(business, open_run, index), post)
    assert response.status_code == 200
    page = response.content.decode()
    assert hostile not in page
    if index in (1, 4, 5):  # number fields show what was typed, escaped
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Choisissez l&#x27;une des réponses proposées." in page or "nombre" in page
    open_run.refresh_from_db()
    assert open_run.answers == {}


def test_oversized_choice_is_refused(business, owner, open_run, client_as):
    post = {**SCREEN_POSTS[0], "interest": "x" * 200_000, "action": "next"}
    response = client_as(owner).post(screen_url(business, open_run, 0), post)
    assert response.status_code == 200
    assert "Choisissez l&#x27;une des réponses proposées." in response.content.decode()


def test_oversized_post_is_a_400_not_a_500(business, owner, open_run, client_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    post = {**SCREEN_POSTS[0], "interest": "x" * 20_000, "action": "next"}
    response = client_as(owner).post(screen_url(business, open_run, 0), post)
    assert response.status_code == 400
    open_run.refresh_from_db()
    assert open_run.answers == {}


def test_htmx_gets_the_partial_on_error_and_a_redirect_header_on_success(
    business, owner, open_run, client_as
):
    client = client_as(owner)
    url = screen_url(business, open_run, 0)
    bad = client.post(url, {"action": "next"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200
    assert "<html" not in bad.content.decode() and 'id="screen"' in bad.content.decode()
    good = client.post(url, {**SCREEN_POSTS[0], "action": "next"}, HTTP_HX_REQUEST="true")
    assert good.status_code == 204
    assert good["HX-Redirect"] == screen_url(business, open_run, 1)


def test_an_unknown_action_counts_as_next(business, owner, open_run, client_as):
    post = {**SCREEN_POSTS[0], "action": "<b>bogus</b>"}
    response = client_as(owner).post(screen_url(business, open_run, 0), post)
    assert response["Location"] == screen_url(business, open_run, 1)
    open_run.refresh_from_db()
    assert open_run.current_step == 1


def test_the_screen_links_its_words_to_the_glossary(business, owner, open_run, client_as):
    page = text(client_as(owner).get(screen_url(business, open_run, 3)))
    assert f'href="{reverse("diagnostic:glossary")}#google-business-profile"' in page


def test_the_screen_shows_a_progress_bar(business, owner, open_run, client_as):
    page = text(client_as(owner).get(screen_url(business, open_run, 4)))
    assert 'class="progress"' in page and 'aria-valuenow="50"' in page
    assert "Écran 5 sur 8" in page
    assert 'value="back"' in page and 'value="later"' in page
