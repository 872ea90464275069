from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from essayons.brand.models import Charte
from essayons.brand.services import CHARTE_FIELDS


class CharteForm(forms.ModelForm[Charte]):
    """The worksheet: short questions, examples in the placeholders, nothing required."""

    class Meta:
        model = Charte
        fields = CHARTE_FIELDS
        widgets = {
            "what_we_sell": forms.Textarea(
                attrs={"rows": 2, "placeholder": _("e.g. Bread, pastries and cakes made here")}
            ),
            "customers": forms.Textarea(
                attrs={
                    "rows": 2,
                    "placeholder": _("e.g. Families of the neighbourhood, offices at lunchtime"),
                }
            ),
            "promise": forms.Textarea(
                attrs={"rows": 2, "placeholder": _("e.g. Bread baked on site every morning")}
            ),
            "proof": forms.Textarea(
                attrs={
                    "rows": 2,
                    "placeholder": _("e.g. Our own sourdough since 2009; 4.8 stars on Google"),
                }
            ),
            "address_form": forms.RadioSelect,
            "emojis": forms.RadioSelect,
            "tone_words": forms.TextInput(
                attrs={"placeholder": _("e.g. warm, simple, proud of our products")}
            ),
            "words_to_use": forms.Textarea(
                attrs={
                    "rows": 3,
                    "placeholder": _("One per line, e.g. homemade, our team, come and taste"),
                }
            ),
            "words_to_avoid": forms.Textarea(
                attrs={
                    "rows": 3,
                    "placeholder": _("One per line, e.g. cheapest, unbeatable, politics"),
                }
            ),
            "never_promise": forms.Textarea(
                attrs={
                    "rows": 2,
                    "placeholder": _("e.g. delivery within the hour, the lowest price"),
                }
            ),
        }
        help_texts = {
            "promise": _("In one sentence: what customers get here and nowhere else."),
            "proof": _(
                "Facts that back the promise: years, awards, reviews, where things come from."
            ),
            "words_to_avoid": _("Essayons will point them out gently when a post uses them."),
            "never_promise": _("Essayons will flag a post that promises one of these."),
        }
