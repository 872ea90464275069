"""Forms of the planner; each keeps what was typed and explains errors in plain French."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essayons.diagnostic.channels import Channel
from essayons.planner.effort import (
    POST_MINUTES_RANGE,
    REPLY_MINUTES_RANGE,
    REPLY_SHARE_RANGE,
    EffortModel,
)
from essayons.planner.images import MAX_UPLOAD_BYTES, ImageRejected, image_check
from essayons.planner.kinds import ContentKind
from essayons.planner.limits import MAX_IMAGES_PER_POST, POST_CHANNELS, limit_problems
from essayons.planner.models import PostStatus
from essayons.planner.plan import MAX_ASKED_PER_WEEK
from essayons.planner.when import AmbiguousTime, NonExistentTime, local_datetime

MAX_TEXT = 10_000
CHANNEL_CHOICES = [(c, Channel(c).label) for c in POST_CHANNELS]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files from one input; each is checked by `image_check` in the form."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class LocalWhenMixin(forms.Form):
    """A date and a time read in the business's time zone, never in the past."""

    date = forms.DateField(
        label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(
        label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    timezone_name = "Europe/Paris"

    def clean_when(self, cleaned: dict[str, Any]) -> datetime | None:
        day, at = cleaned.get("date"), cleaned.get("time")
        if day is None or at is None:
            return None
        try:
            when = local_datetime(day, at, self.timezone_name)
        except NonExistentTime:
            self.add_error(
                "time",
                _(
                    "This time does not exist that day (the clocks go forward): choose another time."
                ),
            )
            return None
        except AmbiguousTime:
            self.add_error(
                "time",
                _("This time happens twice that day (the clocks go back): choose another time."),
            )
            return None
        if when <= timezone.now():
            self.add_error("date", _("This date and time have passed: choose a moment to come."))
            return None
        return when


class PostForm(LocalWhenMixin):
    text = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    channels = forms.MultipleChoiceField(
        label=_("Networks"),
        choices=CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one network.")},
    )
    kind = forms.ChoiceField(label=_("Kind of content"), choices=ContentKind.choices)
    images = MultipleImageField(label=_("Add photos"), required=False)
    remove_images = forms.TypedMultipleChoiceField(
        label=_("Remove"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        timezone_name: str,
        existing_images: list[tuple[int, str]] | None = None,
        submit: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.timezone_name = timezone_name
        self.submit = submit
        self.existing_images = existing_images or []
        remove = self.fields["remove_images"]
        if isinstance(remove, forms.TypedMultipleChoiceField):
            remove.choices = self.existing_images
        self.checked_images: list[Any] = []
        self.when: datetime | None = None

    def clean_text(self) -> str:
        return str(self.cleaned_data.get("text", "")).replace("\r\n", "\n").replace("\r", "\n")

    def clean_images(self) -> list[Any]:
        checked, errors = [], []
        for upload in self.cleaned_data.get("images") or []:
            try:
                if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
                    raise ImageRejected(_("This photo weighs more than 15 MB: send a lighter one."))
                checked.append(image_check(upload.read()))
            except ImageRejected as rejected:
                errors.append(
                    forms.ValidationError(
                        _("“%(name)s”: %(problem)s"),
                        params={"name": upload.name, "problem": rejected.message},
                    )
                )
        if errors:
            raise forms.ValidationError(errors)
        self.checked_images = checked
        return checked

    @property
    def image_count(self) -> int:
        removed = set(self.cleaned_data.get("remove_images") or [])
        kept = [pk for pk, _label in self.existing_images if pk not in removed]
        return len(kept) + len(self.checked_images)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.when = self.clean_when(cleaned)
        if "images" in cleaned and self.image_count > MAX_IMAGES_PER_POST:
            self.add_error(
                "images", _("At most %(max)s photos per post.") % {"max": MAX_IMAGES_PER_POST}
            )
        if self.submit:
            self._clean_for_sending(cleaned)
        return cleaned

    def _clean_for_sending(self, cleaned: dict[str, Any]) -> None:
        """What a network would refuse must be fixed before the post can go out."""
        text = cleaned.get("text", "")
        if not text.strip():
            self.add_error("text", _("Write the text before sending the post."))
            return
        if "images" not in cleaned:
            return
        for channel in cleaned.get("channels") or []:
            for problem in limit_problems(text, self.image_count, channel):
                field = "text" if problem.code.startswith("text") else "images"
                self.add_error(field, f"{Channel(channel).label} : {problem.message}")


class PreviewForm(forms.Form):
    """What the live preview needs; it never stores anything."""

    text = forms.CharField(required=False, max_length=MAX_TEXT)
    channels = forms.MultipleChoiceField(required=False, choices=CHANNEL_CHOICES)
    existing_image_count = forms.IntegerField(required=False, min_value=0, max_value=100)
    new_image_count = forms.IntegerField(required=False, min_value=0, max_value=100)

    @property
    def image_count(self) -> int:
        """Photos the post would have: kept ones plus newly chosen ones (0 when unknown)."""
        cleaned = getattr(self, "cleaned_data", {})
        removed = len(self.data.getlist("remove_images")) if hasattr(self.data, "getlist") else 0
        existing = cleaned.get("existing_image_count") or 0
        return max(0, existing - removed) + (cleaned.get("new_image_count") or 0)


class MoveForm(LocalWhenMixin):
    """Quick rescheduling: a new day, and a new time when given (else the same time)."""

    time = forms.TimeField(
        label=_("Time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, timezone_name: str, current_time: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone_name = timezone_name
        self.current_time = current_time
        self.when: datetime | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("time") is None and "time" not in self.errors:
            cleaned["time"] = self.current_time
        self.when = self.clean_when(cleaned)
        return cleaned


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("changes", _("Ask for a change"))]
    )
    comment = forms.CharField(
        label=_("What should change?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "changes" and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Say in a few words what should change."))
        return cleaned


class PlanForm(forms.Form):
    hours = forms.DecimalField(
        label=_("Hours a week you really have"),
        min_value=0,
        max_value=60,
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
        help_text=_("For example 2 or 1.5. A quarter of it is kept for answering customers."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Networks"),
        choices=CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one network.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for channel, label in CHANNEL_CHOICES:
            self.fields[f"rhythm_{channel}"] = forms.IntegerField(
                label=_("Posts a week on %(network)s") % {"network": label},
                required=False,
                min_value=0,
                max_value=MAX_ASKED_PER_WEEK,
                widget=forms.NumberInput(attrs={"placeholder": _("automatic")}),
            )

    def rhythm_fields(self) -> list[forms.BoundField]:
        return [self[f"rhythm_{channel}"] for channel, _label in CHANNEL_CHOICES]

    def rhythm(self) -> dict[str, int]:
        return {
            channel: self.cleaned_data[f"rhythm_{channel}"]
            for channel, _label in CHANNEL_CHOICES
            if self.cleaned_data.get(f"rhythm_{channel}") is not None
        }


class EffortForm(forms.Form):
    reply_minutes = forms.IntegerField(
        label=_("Minutes for one reply to a customer"),
        min_value=REPLY_MINUTES_RANGE[0],
        max_value=REPLY_MINUTES_RANGE[1],
    )
    reply_share_percent = forms.IntegerField(
        label=_("Share of the week kept for answering customers (%)"),
        min_value=REPLY_SHARE_RANGE[0],
        max_value=REPLY_SHARE_RANGE[1],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for channel, label in CHANNEL_CHOICES:
            for kind, kind_label in ContentKind.choices:
                self.fields[f"m_{channel}_{kind}"] = forms.IntegerField(
                    label=f"{label} · {kind_label}",
                    min_value=POST_MINUTES_RANGE[0],
                    max_value=POST_MINUTES_RANGE[1],
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )

    @staticmethod
    def initial_from(effort: EffortModel) -> dict[str, int]:
        initial = {
            "reply_minutes": effort.reply_minutes,
            "reply_share_percent": effort.reply_share_percent,
        }
        for channel, kinds in effort.post_minutes.items():
            for kind, minutes in kinds.items():
                initial[f"m_{channel}_{kind}"] = minutes
        return initial

    def rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(label), [self[f"m_{channel}_{kind}"] for kind in ContentKind.values])
            for channel, label in CHANNEL_CHOICES
        ]

    def effort(self) -> EffortModel:
        data = self.cleaned_data
        return EffortModel(
            post_minutes={
                channel: {kind: data[f"m_{channel}_{kind}"] for kind in ContentKind.values}
                for channel in POST_CHANNELS
            },
            reply_minutes=data["reply_minutes"],
            reply_share_percent=data["reply_share_percent"],
        )


class ApprovalRuleForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("May schedule without approval"),
        required=False,
        choices=ContentKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class CalendarFilterForm(forms.Form):
    """Month (YYYY-MM) or week (any day of it), network and status; bad values are ignored."""

    month = forms.DateField(required=False, input_formats=["%Y-%m"])
    week = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    channel = forms.ChoiceField(
        label=_("Network"), required=False, choices=[("", _("All networks")), *CHANNEL_CHOICES]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *PostStatus.choices]
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("month", "week"):
            day = cleaned.get(name)
            if isinstance(day, date) and not 1900 <= day.year <= 2200:
                self.add_error(name, _("Choose a year between 1900 and 2200."))
        return cleaned
