"""The report page: rule ids everywhere, the rules page behind them, a clean print."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from essayons.diagnostic.tests.conftest import answer_all, report_url, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed(business, owner, client_as):
    return answer_all(client_as(owner), business)


def test_every_statement_links_to_its_rule(business, owner, completed, client_as):
    page = text(client_as(owner).get(report_url(business)))
    report = completed.report()
    rules_url = reverse("diagnostic:rules")
    for rule_id in report.rule_ids():
        assert f'href="{rules_url}#rule-v1-{rule_id}"' in page, rule_id
    rules_page = text(client_as(None).get(rules_url))
    linked = set(re.findall(r'#rule-(v1-[A-Z0-9-]+)"', page))
    anchors = set(re.findall(r'id="rule-(v1-[A-Z0-9-]+)"', rules_page))
    assert linked and linked <= anchors


def test_the_report_reads_as_an_answer_to_the_article(business, owner, completed, client_as):
    page = text(client_as(owner).get(report_url(business)))
    assert "Prêt, à petits pas" in page
    assert "Revendiquez d'abord votre fiche Google" in page
    assert "C'est gratuit et c'est là que les clients du coin regardent" in page
    assert "Fiche Google" in page and "Facebook" in page
    assert "Ce qu'on ne fait pas encore" in page
    assert "Ne cherchez pas à être partout" in page
    assert "Feuille de route : commençons doucement" in page
    assert "Année 3" in page and "Trimestre 4" in page
    assert "Fait le" in page and "réponses données par Owner" in page


def test_glossary_words_on_the_report_link_to_the_glossary(business, owner, completed, client_as):
    page = text(client_as(owner).get(report_url(business)))
    glossary = reverse("diagnostic:glossary")
    assert f'href="{glossary}#google-business-profile"' in page
    assert 'aria-label="Qu\'est-ce que « Fiche Google » ?"' in page
    assert f'href="{glossary}#reach"' in page


def test_print_view_hides_navigation_and_buttons(business, owner, completed, client_as):
    page = text(client_as(owner).get(report_url(business)))
    assert 'onclick="window.print()"' in page
    assert "Imprimer / enregistrer en PDF" in page
    assert 'media="print"' in page and "essayons/print.css" in page
    # Buttons and the “?” links sit in elements the print stylesheet hides.
    assert '<div class="actions no-print">' in page
    assert page.count('class="term no-print"') > 3
    assert '<header class="top no-print">' in page


def test_the_retake_button_posts_to_start(business, owner, completed, client_as):
    page = text(client_as(owner).get(report_url(business)))
    start = reverse("diagnostic:start", args=[business.public_id])
    assert f'action="{start}"' in page
    assert "Refaire l'état des lieux" in page


def test_rules_page_lists_every_rule_with_its_condition(client_as):
    page = text(client_as(None).get(reverse("diagnostic:rules")))
    assert 'id="rule-v1-CL-GOOGLE-CLAIM"' in page
    assert "la réponse à « Votre fiche Google" in page
    assert "Chaque domaine part de 0" in page
    assert "[heures par semaine] h par semaine" in page
