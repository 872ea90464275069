"""Shared fixtures: a business and the people around it.

Every view test can ask for an owner, a member with a lesser role and an
outsider (the owner of another business), and check who may see what.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from essayons.accounts.models import Business, Membership, Trade, User
from essayons.accounts.roles import Role


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _loopback_closed():
    """Every test starts and ends with the SSRF guard's loopback switch off.

    `allow_loopback()` is one process-wide switch (worker threads must see it); contexts
    entered from two threads at once can restore it in the wrong order and leave it on, so
    the suite resets it rather than trusting every test to unwind perfectly.
    """
    from essayons.lib import http

    http._loopback_allowed = False
    yield
    http._loopback_allowed = False


@pytest.fixture(autouse=True)
def _default_language():
    """A language chosen in one test never leaks into the next."""
    yield
    from django.utils import translation

    translation.activate("fr")


def _person(email: str) -> User:
    return User.objects.create_user(
        email=email, password="correct horse battery", display_name=email.split("@")[0].title()
    )


@pytest.fixture
def business(db) -> Business:
    return Business.objects.create(
        name="Boulangerie Test",
        trade=Trade.BAKERY,
        town="Fort-de-France",
        timezone="America/Martinique",
    )


@pytest.fixture
def other_business(db) -> Business:
    return Business.objects.create(name="Salon Ailleurs", trade=Trade.BEAUTY, town="Lyon")


def _member(business: Business, email: str, role: str) -> User:
    user = _person(email)
    Membership.objects.create(user=user, business=business, role=role)
    return user


@pytest.fixture
def owner(business) -> User:
    return _member(business, "owner@example.test", Role.OWNER)


@pytest.fixture
def helper(business) -> User:
    return _member(business, "helper@example.test", Role.HELPER)


@pytest.fixture
def cashier(business) -> User:
    return _member(business, "cashier@example.test", Role.CASHIER)


@pytest.fixture
def advisor(business) -> User:
    return _member(business, "advisor@example.test", Role.ADVISOR)


@pytest.fixture
def outsider(other_business) -> User:
    """Owner of another business: must never see anything of `business`."""
    return _member(other_business, "outsider@example.test", Role.OWNER)


@pytest.fixture
def client_as() -> Callable[[User | None], Client]:
    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make
