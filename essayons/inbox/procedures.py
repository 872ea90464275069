"""What to do with each kind of message, and a first reply to edit: pure functions on plain data.

Drawn from the business's charter (tu or vous, emojis, its promise) and its profile (name,
address, town). Nothing here sends anything: the owner edits the suggestion and presses send.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from essayons.inbox.triage import Label

# Shown in a suggestion wherever a fact is missing, so the owner sees what to fill in.
BLANK = "[…]"


@dataclass(frozen=True)
class Tone:
    familiar: bool = False  # "tu" instead of "vous"
    emojis: bool = False
    promise: str = ""
    words_to_avoid: tuple[str, ...] = ()


@dataclass(frozen=True)
class Facts:
    name: str
    town: str
    address: str = ""
    hours: str = ""


@dataclass(frozen=True)
class Procedure:
    title: str
    steps: tuple[str, ...]


def procedure_for(label: str, *, target_hours: int, tone: Tone) -> Procedure:
    """The short checklist shown beside a message of this kind."""
    steps: tuple[str, ...]
    reminder = _avoid_reminder(tone)
    if tone.promise:
        reminder = (_("Keep our promise: %(promise)s") % {"promise": tone.promise}, *reminder)
    if label == Label.COMPLAINT:
        steps = (
            _("Answer publicly within %(hours)d hours, even briefly.") % {"hours": target_hours},
            _("Acknowledge what went wrong and thank them for saying it."),
            _("No argument, no justification in public."),
            _("Offer to continue in private to put things right."),
            _("Follow up a few days later: is it settled?"),
        )
        title = _("An unhappy customer")
    elif label == Label.QUESTION:
        steps = (
            _("Answer within %(hours)d hours.") % {"hours": target_hours},
            _("Give the facts: address, opening hours, prices."),
            _("Fill in what Essayons could not know (marked %(blank)s).") % {"blank": BLANK},
        )
        title = _("A question")
    elif label == Label.PRAISE:
        steps = (
            _("Thank them by name within %(hours)d hours.") % {"hours": target_hours},
            _("Invite them to come back."),
            _("If they come back often, see the ambassadors page."),
        )
        title = _("Praise")
    else:
        steps = (
            _("No answer needed if it is spam or an insult."),
            _("Hide or report it on the network if it is abusive."),
        )
        title = _("Something else")
    return Procedure(title=title, steps=(*steps, *reminder))


def reply_suggest(label: str, *, customer_name: str, facts: Facts, tone: Tone) -> str:
    """A first reply in the business's voice, for the owner to edit before sending."""
    name = customer_name.strip() or BLANK
    if label == Label.COMPLAINT:
        text = (
            pgettext(
                "familiar",
                "Hello %(name)s, thank you for telling us, and we are sorry about this. We want "
                "to understand and put it right: could you write to us in a private message?",
            )
            if tone.familiar
            else _(
                "Hello %(name)s, thank you for telling us, and we are sorry about this. We want "
                "to understand and put it right: could you write to us in a private message?"
            )
        ) % {"name": name}
    elif label == Label.QUESTION:
        text = (
            pgettext(
                "familiar",
                "Hello %(name)s, thank you for your question! %(business)s is at %(address)s, "
                "%(town)s. We are open %(hours)s. %(blank)s",
            )
            if tone.familiar
            else _(
                "Hello %(name)s, thank you for your question! %(business)s is at %(address)s, "
                "%(town)s. We are open %(hours)s. %(blank)s"
            )
        ) % {
            "name": name,
            "business": facts.name,
            "address": facts.address or BLANK,
            "town": facts.town,
            "hours": facts.hours or BLANK,
            "blank": BLANK,
        }
    elif label == Label.PRAISE:
        text = (
            pgettext(
                "familiar",
                "Thank you so much %(name)s, it means a lot to the whole team of %(business)s. "
                "See you soon!",
            )
            if tone.familiar
            else _(
                "Thank you so much %(name)s, it means a lot to the whole team of %(business)s. "
                "See you soon!"
            )
        ) % {"name": name, "business": facts.name}
        if tone.emojis:
            text += " 😊"
    else:
        text = ""
    return text


def _avoid_reminder(tone: Tone) -> tuple[str, ...]:
    if not tone.words_to_avoid:
        return ()
    return (_("Words to avoid: %(words)s.") % {"words": ", ".join(tone.words_to_avoid)},)
