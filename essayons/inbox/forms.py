from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from essayons.inbox.models import MAX_TEXT, InboxChannel
from essayons.inbox.triage import Label


class CounterForm(forms.Form):
    """Something a customer said at the counter or on the phone, in a few taps."""

    channel = forms.ChoiceField(
        label=_("Where"),
        choices=[
            (InboxChannel.COUNTER.value, InboxChannel.COUNTER.label),
            (InboxChannel.PHONE.value, InboxChannel.PHONE.label),
        ],
        initial=InboxChannel.COUNTER.value,
        widget=forms.RadioSelect,
    )
    who = forms.CharField(label=_("Who (optional)"), max_length=200, required=False)
    text = forms.CharField(
        label=_("What they said"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )
    kind = forms.ChoiceField(
        label=_("It was"),
        choices=[("", _("Let Essayons sort it")), *Label.choices],
        required=False,
        widget=forms.RadioSelect,
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 6})
    )


class ReplyCheckForm(forms.Form):
    """What to do with a reply whose fate is unknown: ask the network, or what the owner saw."""

    answer = forms.ChoiceField(choices=[("check", "check"), ("there", "there"), ("not_there", "")])


class LabelForm(forms.Form):
    label = forms.ChoiceField(choices=Label.choices)


class FilterForm(forms.Form):
    label = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *Label.choices], required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("All")), *InboxChannel.choices],
        required=False,
    )
    answered = forms.ChoiceField(
        label=_("Answered"),
        choices=[("", _("All")), ("no", _("Not yet")), ("yes", _("Answered"))],
        required=False,
    )


class TargetForm(forms.Form):
    complaint = forms.IntegerField(label=_("Unhappy customer"), min_value=1, max_value=720)
    question = forms.IntegerField(label=_("Question"), min_value=1, max_value=720)
    praise = forms.IntegerField(label=_("Praise"), min_value=1, max_value=720)
