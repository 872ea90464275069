"""`{% term "reach" %}`: a small “?” linking a technical word to its glossary entry.

A literal key unknown to the glossary fails when the template is compiled; a key held in a
variable fails when rendered. Either way a wrong key never ships as a dead link.
"""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, Parser, Token
from django.template.context import Context
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from essayons.diagnostic.glossary import TERMS_BY_KEY, Term

register = template.Library()


class UnknownTermError(template.TemplateSyntaxError):
    pass


def term_for(key: object) -> Term:
    term = TERMS_BY_KEY.get(str(key))
    if term is None:
        raise UnknownTermError(
            f"No glossary entry for {key!r} (see essayons/diagnostic/glossary.py)"
        )
    return term


def term_link(key: object) -> SafeString:
    term = term_for(key)
    return format_html(
        '<a class="term no-print" href="{}#{}" aria-label="{}" title="{}">?</a>',
        reverse("diagnostic:glossary"),
        term.key,
        gettext("What is “%(term)s”?") % {"term": term.name},
        term.name,
    )


class TermNode(template.Node):
    def __init__(self, key: FilterExpression) -> None:
        self.key = key

    def render(self, context: Context) -> str:
        return term_link(self.key.resolve(context))


@register.tag("term")
def do_term(parser: Parser, token: Token) -> TermNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError('Usage: {% term "reach" %}')
    literal = bits[1]
    if literal[0] == literal[-1] and literal[0] in "\"'":
        term_for(literal[1:-1])
    return TermNode(parser.compile_filter(literal))


@register.filter
def term_name(key: object) -> str:
    return str(term_for(key).name)
