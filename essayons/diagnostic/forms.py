"""One Django form per questionnaire screen, built from the data in questions.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from essayons.diagnostic.questions import Kind, Question, Screen

REQUIRED = _("Please answer this question.")
NOT_A_CHOICE = _("Please choose one of the answers offered.")


def _number_errors(question: Question) -> dict[str, Any]:
    between = _("Enter a number between %(min)s and %(max)s.") % {
        "min": question.min_value,
        "max": question.max_value,
    }
    return {
        "required": REQUIRED,
        "invalid": _("Enter a number, for example 2 or 1.5.")
        if question.kind == Kind.DECIMAL
        else _("Enter a whole number, for example 70."),
        "min_value": between,
        "max_value": between,
        "max_digits": between,
        "max_whole_digits": between,
        "max_decimal_places": _("One decimal at most, for example 1.5."),
    }


def _field(question: Question, *, required: bool) -> forms.Field:
    common: dict[str, Any] = {
        "label": question.label,
        "help_text": question.help,
        "required": required,
    }
    if question.kind == Kind.CHOICE:
        return forms.ChoiceField(
            choices=question.choices,
            widget=forms.RadioSelect,
            error_messages={"required": REQUIRED, "invalid_choice": NOT_A_CHOICE},
            **common,
        )
    if question.kind == Kind.MULTI:
        return forms.MultipleChoiceField(
            choices=question.choices,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "required": _("Please tick at least one answer."),
                "invalid_choice": NOT_A_CHOICE,
                "invalid_list": NOT_A_CHOICE,
            },
            **common,
        )
    if question.kind == Kind.DECIMAL:
        # Localized so that “1,5” is read as French people write it.
        return forms.DecimalField(
            min_value=question.min_value,
            max_value=question.max_value,
            max_digits=4,
            decimal_places=1,
            localize=True,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 6}),
            error_messages=_number_errors(question),
            **common,
        )
    return forms.IntegerField(
        min_value=question.min_value,
        max_value=question.max_value,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 9}),
        error_messages=_number_errors(question),
        **common,
    )


def _stored(value: Any) -> Any:
    """JSON-ready form of a cleaned value: numbers stay numbers, empty becomes None."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value in ("", []):
        return None
    return value


class ScreenForm(forms.Form):
    """The questions of one screen.

    `partial` (used by “finish later” and “back”) accepts unanswered questions but still
    refuses what is wrong, so nothing valid is lost and nothing invalid is stored.
    `answers` are the run's answers so far, for questions that depend on another one.
    """

    def __init__(
        self,
        *args: Any,
        screen: Screen,
        answers: dict[str, Any] | None = None,
        partial: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.screen = screen
        self.partial = partial
        self.known = answers or {}
        for question in screen.questions:
            required = question.required and question.applies_when is None and not partial
            self.fields[question.key] = _field(question, required=required)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        merged = {**self.known, **cleaned}
        for question in self.screen.questions:
            if question.applies_when is None or question.key in self.errors:
                continue
            value = cleaned.get(question.key)
            if question.applies(merged):
                if question.required and not self.partial and value in (None, "", []):
                    self.add_error(question.key, REQUIRED)
            elif question.kind in (Kind.DECIMAL, Kind.INTEGER) and value is not None:
                self.add_error(
                    question.key,
                    _(
                        "You answered above that you don't have one: leave this empty or "
                        "change the answer above."
                    ),
                )
            else:
                # A choice can't be unticked in a browser: an answer that no longer applies
                # is simply not kept.
                cleaned[question.key] = None
        return cleaned

    def answers(self) -> dict[str, Any]:
        return {q.key: _stored(self.cleaned_data.get(q.key)) for q in self.screen.questions}

    def questions(self) -> list[tuple[Question, forms.BoundField]]:
        return [(q, self[q.key]) for q in self.screen.questions]
