"""The questionnaire as readable data: eight short screens, about thirty questions.

Each screen becomes a Django form (forms.py); each answer is stored under its key in
`DiagnosticRun.answers` and read by the rules (rules/v1.py). Changing a key or a choice
value here means a new rules version, since past runs keep the old keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class Kind(StrEnum):
    CHOICE = "choice"  # one answer among choices (radio buttons)
    MULTI = "multi"  # several answers among choices (check boxes)
    DECIMAL = "decimal"  # a number with one decimal, e.g. hours
    INTEGER = "integer"  # a whole number, e.g. euros, followers, a percentage


@dataclass(frozen=True)
class Question:
    key: str
    kind: Kind
    label: StrOrPromise
    help: StrOrPromise = ""
    choices: tuple[tuple[str, StrOrPromise], ...] = ()
    required: bool = True
    min_value: int | None = None
    max_value: int | None = None
    unit: StrOrPromise = ""
    # Asked only when another answer has one of these values (e.g. "how old is the website?"
    # only when there is one); otherwise the answer is neither required nor kept.
    applies_when: tuple[str, frozenset[str]] | None = None

    def applies(self, answers: dict[str, Any]) -> bool:
        if self.applies_when is None:
            return True
        key, values = self.applies_when
        return answers.get(key) in values

    def choice_label(self, value: str) -> StrOrPromise:
        return dict(self.choices).get(value, value)


@dataclass(frozen=True)
class Screen:
    slug: str
    title: StrOrPromise
    intro: StrOrPromise
    questions: tuple[Question, ...]
    terms: tuple[str, ...] = ()  # glossary words linked under the intro


YES_NO = (("yes", _("Yes")), ("no", _("No")))
LAST_POST = (
    ("none", _("I don't have one")),
    ("week", _("I posted this week")),
    ("month", _("I posted this month")),
    ("months", _("Last post 1 to 6 months ago")),
    ("dormant", _("Last post more than 6 months ago")),
)
HAS_PAGE = frozenset({"week", "month", "months", "dormant"})

SCREENS: tuple[Screen, ...] = (
    Screen(
        slug="trois-questions",
        title=_("The three questions"),
        intro=_(
            "Before going on social media, three questions matter: is it in your business's "
            "interest, is your business ready, does it fit the way you work? Answer frankly: "
            "there is no wrong answer, and “no” is an answer too."
        ),
        questions=(
            Question(
                "interest",
                Kind.CHOICE,
                _("Is social media in your business's interest?"),
                choices=(
                    ("yes", _("Yes, I am convinced it is")),
                    ("maybe", _("Maybe, I would like to be sure")),
                    ("unsure", _("I don't know")),
                    ("no", _("No, I don't really believe in it")),
                ),
            ),
            Question(
                "ready",
                Kind.CHOICE,
                _("Is your business ready to be there?"),
                help=_("Time, photos, someone to answer customers: how do you feel about it?"),
                choices=(
                    ("yes", _("Yes")),
                    ("partly", _("Partly")),
                    ("no", _("Not yet")),
                    ("unsure", _("I don't know")),
                ),
            ),
            Question(
                "philosophy",
                Kind.CHOICE,
                _("Does it fit the philosophy of your business?"),
                help=_("Talking about yourself, showing your work, answering customers in public."),
                choices=(
                    ("yes", _("Yes, it is like us")),
                    ("authentic", _("Yes, if we stay ourselves and don't overdo it")),
                    ("not_really", _("Not really: with us, it's word of mouth")),
                    ("unsure", _("I don't know")),
                ),
            ),
            Question(
                "show_work",
                Kind.CHOICE,
                _(
                    "Showing your work in pictures (products, behind the scenes, team): is that fine?"
                ),
                choices=(
                    ("yes", _("Yes, gladly")),
                    ("products", _("The products yes, not the people")),
                    ("no", _("I'd rather not")),
                ),
            ),
        ),
    ),
    Screen(
        slug="temps-et-moyens",
        title=_("Your time and means"),
        intro=_(
            "Nobody needs to be online day and night. What counts is the time you really have, "
            "week after week: the plan will be sized to it."
        ),
        questions=(
            Question(
                "hours_per_week",
                Kind.DECIMAL,
                _("How many hours a week can you really give to it?"),
                help=_("Be honest: 0 is an accepted answer. For example 2 or 1.5."),
                min_value=0,
                max_value=60,
            ),
            Question(
                "who",
                Kind.CHOICE,
                _("Who would do it?"),
                choices=(
                    ("owner", _("Me, the owner")),
                    ("employee", _("An employee or a helper")),
                    ("family", _("Someone in the family")),
                    ("nobody", _("Nobody yet")),
                ),
            ),
            Question(
                "budget_per_month",
                Kind.INTEGER,
                _("What budget a month, in euros, for communication?"),
                help=_("Advertising, printing, a provider… 0 is perfectly fine to start with."),
                min_value=0,
                max_value=100_000,
                unit=_("€ a month"),
            ),
            Question(
                "photos",
                Kind.CHOICE,
                _("Can you take photos of your products or your work?"),
                choices=(
                    ("yes", _("Yes, easily, with my phone")),
                    ("sometimes", _("Now and then, without knowing if they are good")),
                    ("no", _("No, it is hard for me")),
                ),
            ),
        ),
    ),
    Screen(
        slug="site-internet",
        title=_("Your website"),
        intro=_(
            "“And the website? Does it exist? When was it last redone?” No need to redo it "
            "before starting: we only look at what you already have."
        ),
        questions=(
            Question("website", Kind.CHOICE, _("Do you have a website?"), choices=YES_NO),
            Question(
                "website_age",
                Kind.CHOICE,
                _("When was it last redone?"),
                help=_("Only if you have a website."),
                choices=(
                    ("recent", _("Less than a year ago")),
                    ("one_to_three", _("1 to 3 years ago")),
                    ("old", _("More than 3 years ago")),
                    ("unknown", _("I don't remember")),
                ),
                applies_when=("website", frozenset({"yes"})),
            ),
            Question(
                "website_sells",
                Kind.CHOICE,
                _("Can customers order, pay or book on it?"),
                help=_("Only if you have a website."),
                choices=(
                    ("no", _("No, it only presents the business")),
                    ("orders", _("Yes, they can order or pay online")),
                    ("bookings", _("Yes, they can book online")),
                ),
                applies_when=("website", frozenset({"yes"})),
            ),
        ),
    ),
    Screen(
        slug="fiche-google",
        title=_("Your Google listing"),
        intro=_(
            "When someone nearby looks for a bakery or a hairdresser, Google Maps shows the "
            "businesses' listings: address, opening hours, photos, reviews. It is free."
        ),
        questions=(
            Question(
                "google_claimed",
                Kind.CHOICE,
                _("Is your Google listing (the one shown in Google Maps) in your name?"),
                help=_("People say you “claim” your listing: then you can change it yourself."),
                choices=(
                    ("yes", _("Yes, I can change it")),
                    ("no", _("No, or it exists without me")),
                    ("unknown", _("I don't know")),
                ),
            ),
            Question(
                "google_up_to_date",
                Kind.CHOICE,
                _("Are your opening hours and photos up to date on it?"),
                choices=(
                    ("yes", _("Yes")),
                    ("partly", _("Partly")),
                    ("no", _("No")),
                    ("unknown", _("I don't know")),
                ),
            ),
            Question(
                "reviews_answered",
                Kind.CHOICE,
                _("Do you answer the reviews your customers leave on Google?"),
                choices=(
                    ("always", _("Yes, each time")),
                    ("sometimes", _("Sometimes")),
                    ("never", _("Never")),
                    ("none", _("I have no reviews, or I don't know")),
                ),
            ),
        ),
        terms=("google-business-profile", "local-seo"),
    ),
    Screen(
        slug="facebook-instagram",
        title=_("Facebook and Instagram"),
        intro=_(
            "600 followers is not a failure: they are often people from the neighbourhood. "
            "Tell us where you stand today, without judging yourself."
        ),
        questions=(
            Question(
                "facebook",
                Kind.CHOICE,
                _("Your Facebook page: when did you last post?"),
                choices=LAST_POST,
            ),
            Question(
                "facebook_followers",
                Kind.INTEGER,
                _("About how many people follow your Facebook page?"),
                help=_("Leave empty if you don't know."),
                required=False,
                min_value=0,
                max_value=10_000_000,
                unit=_("followers"),
                applies_when=("facebook", HAS_PAGE),
            ),
            Question(
                "instagram",
                Kind.CHOICE,
                _("Your Instagram account: when did you last post?"),
                choices=LAST_POST,
            ),
            Question(
                "instagram_followers",
                Kind.INTEGER,
                _("About how many people follow your Instagram account?"),
                help=_("Leave empty if you don't know."),
                required=False,
                min_value=0,
                max_value=10_000_000,
                unit=_("followers"),
                applies_when=("instagram", HAS_PAGE),
            ),
        ),
        terms=("followers", "engagement", "algorithm"),
    ),
    Screen(
        slug="vos-clients",
        title=_("Your customers"),
        intro=_(
            "A baker whose customers come 70 percent from the neighbourhood does not need the "
            "same thing as a shop selling all over France. An estimate is enough."
        ),
        questions=(
            Question(
                "local_share",
                Kind.INTEGER,
                _("What share of your customers live or work nearby, in %?"),
                help=_("The baker in the article: 70 %. An estimate is enough."),
                min_value=0,
                max_value=100,
                unit=_("%"),
            ),
            Question(
                "age_groups",
                Kind.MULTI,
                _("How old are most of your customers?"),
                help=_("Tick all that matter."),
                choices=(
                    ("under_25", _("Under 25")),
                    ("25_44", _("25 to 44")),
                    ("45_64", _("45 to 64")),
                    ("65_plus", _("65 and over")),
                ),
            ),
            Question(
                "customer_type",
                Kind.CHOICE,
                _("Your customers are mostly…"),
                choices=(
                    ("individuals", _("Private individuals")),
                    ("professionals", _("Professionals (businesses, offices, associations)")),
                    ("both", _("Both")),
                ),
            ),
            Question(
                "found_by",
                Kind.MULTI,
                _("How do customers find you today?"),
                help=_("Tick all that apply."),
                choices=(
                    ("passing", _("Walking past the shop")),
                    ("word_of_mouth", _("Word of mouth")),
                    ("google", _("Google or Google Maps")),
                    ("social", _("Facebook or Instagram")),
                    ("partners", _("Other professionals, partners")),
                    ("print", _("Radio, newspaper, leaflets")),
                    ("unknown", _("I don't know")),
                ),
            ),
        ),
        terms=("catchment-area",),
    ),
    Screen(
        slug="objectifs",
        title=_("Your goals and what you measure"),
        intro=_(
            "You simply want to sell more: let's say how, and how we will know it worked — "
            "in the shop as well as online."
        ),
        questions=(
            Question(
                "goals",
                Kind.MULTI,
                _("What do you expect first?"),
                help=_("Tick one or more."),
                choices=(
                    ("walk_in", _("More customers in the shop")),
                    ("online_sales", _("Selling online")),
                    ("bookings", _("More bookings or appointments")),
                    ("reputation", _("Being better known and well rated")),
                    ("recruitment", _("Recruiting")),
                ),
            ),
            Question(
                "customer_file",
                Kind.CHOICE,
                _("Do you have a customer file?"),
                choices=(
                    ("none", _("No")),
                    ("paper", _("A notebook or paper cards")),
                    ("spreadsheet", _("A file on the computer or in the till")),
                    ("email_list", _("A list of e-mail addresses I already write to")),
                ),
            ),
            Question(
                "knows_source",
                Kind.CHOICE,
                _("Do you know how your new customers heard of you?"),
                choices=(
                    ("yes", _("Yes, we ask them")),
                    ("roughly", _("Roughly")),
                    ("no", _("No")),
                ),
            ),
            Question(
                "tried_ads",
                Kind.CHOICE,
                _("Have you ever paid for advertising on the internet?"),
                choices=(
                    ("no", _("Never")),
                    ("measured", _("Yes, and I know what it brought in")),
                    ("unmeasured", _("Yes, but I don't know what it brought in")),
                ),
            ),
        ),
        terms=("drive-to-store", "promo-code", "paid-media"),
    ),
    Screen(
        slug="clients-mecontents",
        title=_("When a customer is unhappy"),
        intro=_(
            "A satisfied customer becomes your ambassador; a disappointed one talks too, and "
            "online it is in public. 67 percent of disappointed customers advise others against "
            "the business."
        ),
        questions=(
            Question(
                "complaint_who",
                Kind.CHOICE,
                _("Today, who answers an unhappy customer?"),
                choices=(
                    ("owner", _("Me, the owner")),
                    ("employee", _("An employee")),
                    ("nobody", _("Nobody in particular")),
                ),
            ),
            Question(
                "complaint_speed",
                Kind.CHOICE,
                _("How fast, usually?"),
                choices=(
                    ("same_day", _("The same day")),
                    ("few_days", _("Within a few days")),
                    ("week", _("After a week or more")),
                    ("rarely", _("We don't always answer")),
                ),
            ),
            Question(
                "promise_kept",
                Kind.CHOICE,
                _("If more customers come, can you keep what you announce?"),
                help=_("Opening hours, products in stock, delays, prices."),
                choices=(
                    ("yes", _("Yes")),
                    ("mostly", _("Most of the time")),
                    ("no", _("Not always: we are quickly overwhelmed")),
                ),
            ),
        ),
        terms=("ambassador", "earned-media"),
    ),
)

QUESTIONS: dict[str, Question] = {q.key: q for s in SCREENS for q in s.questions}


def screen_by_slug(slug: str) -> tuple[int, Screen] | None:
    for index, screen in enumerate(SCREENS):
        if screen.slug == slug:
            return index, screen
    return None


def is_answered(question: Question, answers: dict[str, Any]) -> bool:
    """A question counts as answered when it has a value, or needs none."""
    if not question.required or not question.applies(answers):
        return True
    value = answers.get(question.key)
    return value not in (None, "", [])


def screen_is_answered(screen: Screen, answers: dict[str, Any]) -> bool:
    return all(is_answered(q, answers) for q in screen.questions)


def first_unanswered_index(answers: dict[str, Any]) -> int | None:
    for index, screen in enumerate(SCREENS):
        if not screen_is_answered(screen, answers):
            return index
    return None


def as_decimal(value: Any) -> Decimal | None:
    """Read a stored number back, whatever JSON made of it (int, float or string)."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
