"""The glossary page and the `{% term %}` tag: every key used anywhere must exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse

from essayons.diagnostic.glossary import TERMS, TERMS_BY_KEY
from essayons.diagnostic.questions import SCREENS
from essayons.diagnostic.tests.conftest import text

PACKAGE = Path(__file__).resolve().parents[2]
TERM_TAG = re.compile(r"""\{%\s*term\s+["']([^"']+)["']\s*%\}""")
REQUIRED_WORDS = {
    "owned-media", "paid-media", "earned-media", "reach", "engagement", "impression", "utm",
    "click-through-rate", "cost-per-acquisition", "drive-to-store", "roi", "conversion",
    "algorithm", "hashtag", "community-manager", "newsletter", "kpi", "seo", "local-seo",
    "google-business-profile", "sponsored-post", "retargeting",
}  # fmt: skip


def used_keys():
    keys: dict[str, Path] = {}
    for path in PACKAGE.glob("**/templates/**/*.html"):
        for key in TERM_TAG.findall(path.read_text(encoding="utf-8")):
            keys.setdefault(key, path)
    return keys


def test_the_glossary_has_the_words_of_the_issue():
    assert set(TERMS_BY_KEY) >= REQUIRED_WORDS
    assert len(TERMS) == len(TERMS_BY_KEY)


def test_every_term_used_in_a_template_exists_and_renders():
    keys = used_keys()
    assert keys, "the report uses the glossary"
    for key, path in keys.items():
        assert key in TERMS_BY_KEY, f"{path} uses unknown glossary term {key!r}"
        html = Template('{% load glossary %}{% term "' + key + '" %}').render(Context())
        assert f"#{key}" in html


def test_every_word_a_questionnaire_screen_links_to_exists():
    for screen in SCREENS:
        assert set(screen.terms) <= set(TERMS_BY_KEY), screen.slug


def test_the_term_tag_renders_an_accessible_link():
    html = Template('{% load glossary %}{% term "reach" %}').render(Context())
    assert html.startswith('<a class="term no-print" href="/glossaire/#reach"')
    assert 'aria-label="Qu&#x27;est-ce que «\u00a0Portée (reach)\u00a0»\u00a0?"' in html
    assert html.endswith(">?</a>")


def test_an_unknown_literal_term_fails_when_the_template_is_compiled():
    with pytest.raises(TemplateSyntaxError, match="reach-typo"):
        Template('{% load glossary %}{% term "reach-typo" %}')


def test_an_unknown_term_in_a_variable_fails_when_rendered():
    template = Template("{% load glossary %}{% term key %}")
    with pytest.raises(TemplateSyntaxError, match="nope"):
        template.render(Context({"key": "nope"}))


@pytest.mark.django_db
def test_the_glossary_page_has_an_anchor_example_for_every_term(client_as):
    page = text(client_as(None).get(reverse("diagnostic:glossary")))
    for term in TERMS:
        assert f'id="{term.key}"' in page
    assert "Portée (reach)" in page
    assert "Par exemple :" in page
    assert "Médias gagnés (earned media)" in page
