"""Signing up, logging in and out, rate limiting, password reset and change, my account."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from essayons.accounts.models import User
from essayons.accounts.tests.conftest import ESCAPED, SCRIPT, found, oversized

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
NEW_PASSWORD = "Une baguette bien cuite 42"


def signup_data(**overrides):
    data = {
        "email": "marie@boulangerie.test",
        "display_name": "Marie",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


# Sign up ---------------------------------------------------------------------------------


def test_signup_creates_the_account_logs_in_and_goes_to_create_my_business(client):
    response = client.post(reverse("accounts:signup"), signup_data(email="Marie@Boulangerie.TEST"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:business_create")
    user = User.objects.get(email="marie@boulangerie.test")
    assert user.display_name == "Marie"
    assert user.check_password(NEW_PASSWORD)
    assert logged_in_user_id(client) == str(user.pk)
    page = client.get(response["Location"])
    assert "Créer mon entreprise" in page.content.decode()


def test_signup_page_is_french():
    from django.test import Client

    body = Client().get(reverse("accounts:signup")).content.decode()
    assert "Adresse e-mail" in body
    assert "Mot de passe, une seconde fois" in body
    assert "Créer mon compte" in body


def test_signup_returns_to_a_safe_next_but_never_to_another_site(client):
    response = client.post(reverse("accounts:signup"), signup_data(next="/invitation/abc/"))
    assert response["Location"] == "/invitation/abc/"
    client.post(reverse("accounts:logout"))
    response = client.post(
        reverse("accounts:signup"),
        signup_data(email="autre@example.test", next="https://evil.example/"),
    )
    assert response["Location"] == reverse("accounts:business_create")


def test_signup_empty_form_gets_french_errors_beside_each_field(client):
    response = client.post(reverse("accounts:signup"), {})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"email", "display_name", "password1", "password2"}
    assert "Ce champ est obligatoire." in response.content.decode()
    assert not User.objects.exists()


def test_signup_invalid_email_is_refused_in_french_and_the_rest_is_kept(client):
    response = client.post(reverse("accounts:signup"), signup_data(email="marie-at-home"))
    body = response.content.decode()
    assert "Saisissez une adresse e-mail valide" in body
    assert 'value="Marie"' in body  # the name typed stays
    assert 'value="marie-at-home"' in body


def test_signup_mismatched_passwords_are_refused(client):
    response = client.post(reverse("accounts:signup"), signup_data(password2="autre chose 99"))
    assert "Les deux mots de passe ne sont pas identiques" in response.content.decode()
    assert not User.objects.exists()


def test_signup_weak_password_is_refused_by_the_validators(client):
    response = client.post(
        reverse("accounts:signup"), signup_data(password1="1234", password2="1234")
    )
    assert response.context["form"].has_error("password1")
    assert not User.objects.exists()


def test_signup_too_long_values_are_refused(client):
    response = client.post(
        reverse("accounts:signup"),
        signup_data(display_name="M" * 121, email="a" * 250 + "@example.test"),
    )
    form = response.context["form"]
    assert form.has_error("display_name") and form.has_error("email")
    assert "au plus 120 caractères" in response.content.decode()


def test_signup_duplicate_email_is_refused_politely_whatever_the_case(client, owner):
    response = client.post(reverse("accounts:signup"), signup_data(email=owner.email.upper()))
    body = response.content.decode()
    assert response.status_code == 200
    assert "ne peut pas servir à créer un nouveau compte" in body
    assert User.objects.filter(email__iexact=owner.email).count() == 1
    assert logged_in_user_id(client) is None


def test_signup_shows_a_script_name_escaped(client):
    response = client.post(reverse("accounts:signup"), signup_data(display_name=SCRIPT, email="x"))
    body = response.content.decode()
    assert ESCAPED in body
    assert SCRIPT not in body


def test_signup_oversized_post_is_a_400(client):
    response = client.post(reverse("accounts:signup"), signup_data(display_name=oversized()))
    assert response.status_code == 400
    assert not User.objects.exists()


def test_signup_when_logged_in_goes_home(client_as, owner):
    response = client_as(owner).get(reverse("accounts:signup"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:home")


# Log in and out ----------------------------------------------------------------------------


def test_login_form_is_in_french_with_exact_labels(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert re.search(r"<label[^>]*>Adresse e-mail</label>", body)
    assert re.search(r"<label[^>]*>Mot de passe</label>", body)
    assert re.search(r"<button[^>]*>Se connecter</button>", body)


def test_login_with_the_right_password_goes_home(client, owner):
    response = client.post(
        reverse("accounts:login"), {"username": "OWNER@example.test", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:home")
    assert logged_in_user_id(client) == str(owner.pk)


def test_login_with_a_wrong_password_says_so_in_french(client, owner):
    response = client.post(reverse("accounts:login"), {"username": owner.email, "password": "x"})
    assert response.status_code == 200
    assert "ne vont pas ensemble" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_login_empty_and_invalid_and_oversized_input(client):
    url = reverse("accounts:login")
    assert "Ce champ est obligatoire." in client.post(url, {}).content.decode()
    hostile = client.post(url, {"username": SCRIPT, "password": "x"}).content.decode()
    assert SCRIPT not in hostile and ESCAPED in hostile
    assert client.post(url, {"username": oversized(), "password": "x"}).status_code == 400


def test_login_never_redirects_to_another_site(client, owner):
    response = client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"username": owner.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("accounts:home")


def test_sixth_login_attempt_is_refused_even_with_the_right_password(client, owner):
    url = reverse("accounts:login")
    for _ in range(5):
        client.post(url, {"username": owner.email, "password": "wrong guess"})
    response = client.post(url, {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Trop de tentatives" in body
    assert "la connexion est suspendue quelques minutes" in body
    assert logged_in_user_id(client) is None


def test_lockout_counts_every_spelling_of_the_address_as_one(client, owner):
    url = reverse("accounts:login")
    for spelling in ["owner@example.test", "OWNER@example.test", "Owner@Example.Test"] * 2:
        client.post(url, {"username": spelling, "password": "wrong guess"})
    response = client.post(url, {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 429


def test_logout_is_post_only(client_as, owner):
    client = client_as(owner)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert logged_in_user_id(client) == str(owner.pk)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert logged_in_user_id(client) is None


# Password reset -------------------------------------------------------------------------------


def test_password_reset_link_starts_with_site_url_whatever_the_host_header(client, owner, settings):
    settings.SITE_URL = "https://essayons.example"
    settings.ALLOWED_HOSTS = ["essayons.example", "evil.example"]
    client.post(
        reverse("accounts:password_reset"),
        {"email": owner.email},
        HTTP_HOST="evil.example",
    )
    (message,) = mail.outbox
    assert "https://essayons.example/compte/nouveau-mot-de-passe/" in message.body
    assert "evil.example" not in message.body


def test_password_reset_sends_an_email_with_a_working_link(client, owner):
    response = client.post(reverse("accounts:password_reset"), {"email": "Owner@Example.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    assert message.subject == "Votre nouveau mot de passe Essayons"
    assert "Bonjour" in message.body
    link = found(r"http://127.0.0.1:8000(/compte/nouveau-mot-de-passe/\S+/)", message.body)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == reverse("accounts:password_reset_complete")
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert logged_in_user_id(client) == str(owner.pk)
    # The link is single-use: the password changed, so the token no longer matches.
    again = client.get(link, follow=True)
    assert "Ce lien ne marche plus" in again.content.decode()


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.test"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []
    assert "Si un compte utilise cette adresse" in client.get(response["Location"]).content.decode()


def test_password_reset_bad_input(client):
    url = reverse("accounts:password_reset")
    assert "Ce champ est obligatoire." in client.post(url, {}).content.decode()
    invalid = client.post(url, {"email": SCRIPT}).content.decode()
    assert "Saisissez une adresse e-mail valide" in invalid
    assert SCRIPT not in invalid and ESCAPED in invalid
    assert client.post(url, {"email": oversized()}).status_code == 400
    assert mail.outbox == []


def test_password_reset_confirm_with_a_forged_link_says_it_no_longer_works(client, owner):
    response = client.get(
        reverse("accounts:password_reset_confirm", args=["MQ", "forged-token"]), follow=True
    )
    assert response.status_code == 200
    assert "Ce lien ne marche plus" in response.content.decode()


def test_password_reset_confirm_mismatched_passwords(client, owner):
    client.post(reverse("accounts:password_reset"), {"email": owner.email})
    path = found(r"http://127.0.0.1:8000(\S+)", mail.outbox[0].body)
    page = client.get(path, follow=True)
    response = client.post(
        page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": "autre"}
    )
    assert "Les deux mots de passe ne correspondent pas" in response.content.decode()
    oversized_post = client.post(page.redirect_chain[-1][0], {"new_password1": oversized()})
    assert oversized_post.status_code == 400
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_password_reset_lifts_a_lockout(client, owner):
    url = reverse("accounts:login")
    for _ in range(5):
        client.post(url, {"username": owner.email, "password": "wrong guess"})
    client.post(reverse("accounts:password_reset"), {"email": owner.email})
    path = found(r"http://127.0.0.1:8000(\S+)", mail.outbox[0].body)
    page = client.get(path, follow=True)
    client.post(
        page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    client.post(reverse("accounts:logout"))
    response = client.post(url, {"username": owner.email, "password": NEW_PASSWORD})
    assert response.status_code == 302


# My account ---------------------------------------------------------------------------------


def test_account_page_needs_a_login(client):
    for name in ["accounts:account", "accounts:password_change"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_account_page_changes_the_display_name(client_as, helper):
    client = client_as(helper)
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Mon compte" in page and helper.email in page
    response = client.post(reverse("accounts:account"), {"display_name": "Jo la main verte"})
    assert response["Location"] == reverse("accounts:account")
    helper.refresh_from_db()
    assert helper.display_name == "Jo la main verte"
    assert "Votre nom est enregistré" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("value", "error"),
    [("", "Ce champ est obligatoire."), ("x" * 121, "au plus 120 caractères")],
)
def test_account_page_refuses_bad_names(client_as, owner, value, error):
    response = client_as(owner).post(reverse("accounts:account"), {"display_name": value})
    assert response.status_code == 200
    assert error in response.content.decode()
    owner.refresh_from_db()
    assert owner.display_name == "Owner"


def test_account_page_shows_a_script_name_escaped(client_as, owner):
    client = client_as(owner)
    client.post(reverse("accounts:account"), {"display_name": SCRIPT})
    body = client.get(reverse("accounts:account")).content.decode()
    assert ESCAPED in body and SCRIPT not in body


def test_account_page_oversized_post_is_a_400(client_as, owner):
    response = client_as(owner).post(reverse("accounts:account"), {"display_name": oversized()})
    assert response.status_code == 400


def test_password_change(client_as, owner):
    client = client_as(owner)
    url = reverse("accounts:password_change")
    wrong_old = client.post(
        url,
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "Votre ancien mot de passe est incorrect" in wrong_old.content.decode()
    mismatch = client.post(
        url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "autre"}
    )
    assert "Les deux mots de passe ne correspondent pas" in mismatch.content.decode()
    assert client.post(url, {"old_password": oversized()}).status_code == 400
    done = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == reverse("accounts:account")
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert logged_in_user_id(client) == str(owner.pk)  # still logged in


def test_password_reset_emails_are_limited_per_address_and_per_visitor(client, owner, settings):
    from essayons.accounts.models import User

    for _ in range(5):
        response = client.post(reverse("accounts:password_reset"), {"email": owner.email})
        assert response.status_code == 302  # the same answer, sent or not
    assert len(mail.outbox) == 3  # three an hour to one address
    settings.EMAILS_PER_HOUR_PER_IP = 4
    other = User.objects.create_user(email="autre@example.test", password=NEW_PASSWORD)
    for _ in range(3):
        client.post(reverse("accounts:password_reset"), {"email": other.email})
    assert len(mail.outbox) == 4  # this visitor's fourth e-mail of the hour, then nothing
    from essayons.accounts.models import EmailSent

    assert not EmailSent.objects.filter(key__contains="@").exists()  # digests only
    another_visitor = client.post(
        reverse("accounts:password_reset"), {"email": other.email}, REMOTE_ADDR="203.0.113.9"
    )
    assert another_visitor.status_code == 302
    assert len(mail.outbox) == 5
