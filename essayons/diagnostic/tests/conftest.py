from __future__ import annotations

import html

import pytest
from django.urls import reverse

from essayons.diagnostic.models import DiagnosticRun
from essayons.diagnostic.questions import SCREENS
from essayons.diagnostic.tests.answers import SCREEN_POSTS


def screen_url(business, run, index):
    return reverse("diagnostic:screen", args=[business.public_id, run.pk, SCREENS[index].slug])


def report_url(business):
    return reverse("diagnostic:report", args=[business.public_id])


def text(response):
    """The page with entities decoded and French non-breaking spaces read as spaces."""
    return html.unescape(response.content.decode()).replace("\u00a0", " ")


def answer_all(client, business, posts=SCREEN_POSTS):
    """Start (or resume) and answer every screen with `posts`; returns the completed run."""
    response = client.post(reverse("diagnostic:start", args=[business.public_id]))
    assert response.status_code == 302
    url = response["Location"]
    for post in posts:
        response = client.post(url, {**post, "action": "next"})
        assert response.status_code == 302, text(response)[-3000:]
        url = response["Location"]
    assert url == report_url(business)
    return DiagnosticRun.objects.filter(business=business).order_by("-id").first()


@pytest.fixture
def open_run(business, owner):
    return DiagnosticRun.objects.create(
        business=business, rules_version="v1", started_by=owner, answered_by=owner
    )
