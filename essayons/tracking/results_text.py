"""The results told in words: one plain sentence per campaign, and each figure with its origin."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import get_text_list
from django.utils.translation import get_language, gettext_lazy, ngettext, override
from django.utils.translation import gettext as _

from essayons.diagnostic.channels import Channel
from essayons.tracking.models import AdSource, HeardFrom
from essayons.tracking.results_figures import Figures
from essayons.tracking.results_format import count_text, money, number


class Kind(enum.StrEnum):
    MEASURED = "measured"
    DECLARED = "declared"
    REPORTED = "reported"
    COMPUTED = "computed"


KIND_LABELS = {
    Kind.MEASURED: gettext_lazy("measured"),
    Kind.DECLARED: gettext_lazy("declared"),
    Kind.REPORTED: gettext_lazy("reported by the network"),
    Kind.COMPUTED: gettext_lazy("calculated"),
}


@dataclass(frozen=True)
class Step:
    """One line of a campaign's path from spend to revenue."""

    key: str
    label: str
    value: str
    kind: Kind
    source: str
    extra: str = ""

    @property
    def kind_label(self) -> str:
        return _kind_labels(get_language() or "fr")[self.kind]


@lru_cache(maxsize=8)
def _kind_labels(language: str) -> dict[str, str]:
    with override(language):
        return {kind: str(label) for kind, label in KIND_LABELS.items()}


def channel_label(channel: str) -> str:
    return str(Channel(channel).label) if channel in Channel.values else _("Other or not specified")


def declared_label(source: str) -> str:
    return _declared_labels(get_language() or "fr").get(source, source)


@lru_cache(maxsize=8)
def _declared_labels(language: str) -> dict[str, str]:
    with override(language):
        return {value: str(label) for value, label in HeardFrom.choices}


def codes_text(codes: Counter[str]) -> str:
    return str(get_text_list(sorted(codes), _("and")))


def _ads_source(figures: Figures) -> str:
    names = {
        AdSource.EXPORT: _("the Ads Manager export you imported"),
        AdSource.API: _("the synchronisation with Meta"),
        AdSource.MANUAL: _("what you entered by hand"),
    }
    found = [str(names[AdSource(source)]) for source in sorted(figures.ads.sources)]
    return _("Figures from the network, as given by %(sources)s.") % {
        "sources": get_text_list(found, _("and"))
    }


def sentence(figures: Figures) -> str:
    """The campaign in one plain sentence, with the figures the page shows."""
    ads = figures.ads
    spend = money(figures.spend, short=True)
    if figures.customers:
        sales = _sales_text(figures)
        revenue = money(figures.revenue)
        if figures.spend and ads.reach:
            template = (
                _(
                    "Your %(spend)s of advertising reached %(reach)s people and brought in %(sales)s, "
                    "that is %(revenue)s of sales: %(per_euro)s for each €1 spent."
                )
                if ads.reach_exact
                else _(
                    "Your %(spend)s of advertising reached at least %(reach)s people and brought in "
                    "%(sales)s, that is %(revenue)s of sales: %(per_euro)s for each €1 spent."
                )
            )
        elif figures.spend:
            template = _(
                "Your %(spend)s of advertising brought in %(sales)s, that is %(revenue)s of sales: "
                "%(per_euro)s for each €1 spent."
            )
        else:
            template = _(
                "With no ad spend recorded, this campaign brought in %(sales)s, that is %(revenue)s "
                "of sales."
            )
        return template % {
            "spend": spend,
            "reach": count_text(ads.reach),
            "sales": sales,
            "revenue": revenue,
            "per_euro": money(figures.revenue_per_euro),
        }
    if figures.spend:
        if ads.reach:
            return _(
                "Your %(spend)s of advertising reached %(reach)s people, but no sale is measured yet: "
                "give your next ad a tracked link or a promo code to see what it brings."
            ) % {"spend": spend, "reach": count_text(ads.reach)}
        return _(
            "Your %(spend)s of advertising brought no measured sale yet: give your next ad a "
            "tracked link or a promo code to see what it brings."
        ) % {"spend": spend}
    return _("Nothing is measured for this campaign in this period yet.")


def _sales_text(figures: Figures) -> str:
    parts = []
    if figures.online_sales:
        parts.append(_("%(count)s online") % {"count": number(figures.online_sales)})
    if figures.store_sales:
        parts.append(
            ngettext(
                "%(count)s in the shop with the code %(codes)s",
                "%(count)s in the shop with the codes %(codes)s",
                len(figures.codes),
            )
            % {"count": number(figures.store_sales), "codes": codes_text(figures.codes)}
        )
    return ngettext(
        "%(count)s measured sale (%(detail)s)",
        "%(count)s measured sales (%(detail)s)",
        figures.customers,
    ) % {"count": number(figures.customers), "detail": ", ".join(parts)}


def steps(figures: Figures) -> list[Step]:
    """Spend → reach → engagement → clicks → sales online → sales in store → revenue."""
    ads = figures.ads
    found: list[Step] = []
    reported = _ads_source(figures) if ads.rows else ""
    if ads.rows:
        found.append(Step("spend", _("Ad spend"), money(figures.spend), Kind.REPORTED, reported))
    if ads.reach is not None:
        found.append(
            Step(
                "reach",
                _("People reached"),
                count_text(ads.reach)
                if ads.reach_exact
                else _("at least %(n)s") % {"n": count_text(ads.reach)},
                Kind.REPORTED,
                reported
                + " "
                + _(
                    "Reach counts each person once over the period: it cannot be added up day by "
                    "day, so over several periods we show the largest one."
                ),
            )
        )
    if ads.page_likes is not None:
        found.append(
            Step(
                "likes",
                _("New page likes"),
                count_text(ads.page_likes),
                Kind.REPORTED,
                reported,
                extra=_("%(cost)s per like") % {"cost": money(figures.cost_per_like)}
                if figures.cost_per_like is not None
                else "",
            )
        )
    found.append(_clicks_step(figures))
    found.append(
        Step(
            "online",
            _("Online sales"),
            _("%(count)s · %(amount)s")
            % {"count": number(figures.online_sales), "amount": money(figures.online_revenue)},
            Kind.MEASURED,
            _(
                "Paid orders from your online shop (webhook or imported file), tied to the campaign by "
                "its tracked link, its utm_campaign or its promo code, each order once."
            ),
            extra=_("%(cost)s spent per online sale")
            % {"cost": money(figures.cost_per_online_sale)}
            if figures.cost_per_online_sale is not None
            else "",
        )
    )
    codes = ", ".join(f"{code} ({number(n)})" for code, n in sorted(figures.codes.items()))
    found.append(
        Step(
            "store",
            _("Sales in the shop with a code"),
            _("%(count)s · %(amount)s")
            % {"count": number(figures.store_sales), "amount": money(figures.store_revenue)},
            Kind.MEASURED,
            _("Promo codes recorded at the till, with the basket amount: %(codes)s.")
            % {"codes": codes}
            if codes
            else _("Promo codes recorded at the till, with the basket amount."),
        )
    )
    found.append(
        Step(
            "customers",
            _("Customers measured"),
            number(figures.customers),
            Kind.MEASURED,
            _(
                "Online sales plus sales in the shop with a code. Customers who came without a code "
                "are not in this count: see what they declared at the till."
            ),
            extra=_("%(cost)s per customer") % {"cost": money(figures.cost_per_customer)}
            if figures.cost_per_customer is not None
            else "",
        )
    )
    found.append(
        Step(
            "revenue",
            _("Revenue measured"),
            money(figures.revenue),
            Kind.MEASURED,
            _("Online sales plus sales in the shop with a code."),
            extra=_("%(amount)s for each €1 spent") % {"amount": money(figures.revenue_per_euro)}
            if figures.revenue_per_euro is not None
            else "",
        )
    )
    if ads.purchases is not None:
        found.append(
            Step(
                "purchases",
                _("Purchases according to Meta"),
                count_text(ads.purchases),
                Kind.REPORTED,
                reported
                + " "
                + _(
                    "Meta's own estimate from its pixel: shown for comparison, never added to ours."
                ),
            )
        )
    return found


def _clicks_step(figures: Figures) -> Step:
    source = _(
        "Visits through your tracked links, counted by Essayons; %(bots)s visits by robots "
        "(link previews, search engines) were left out."
    ) % {"bots": number(figures.bot_clicks)}
    extra = ""
    gap = figures.clicks_gap
    if gap is not None:
        extra = _("Meta reports %(theirs)s link clicks") % {
            "theirs": count_text(figures.ads.link_clicks)
        }
        if gap:
            extra += " " + (
                _("(%(n)s more than we measured)")
                if gap > 0
                else _("(%(n)s fewer than we measured)")
            ) % {"n": number(abs(gap))}
        source += " " + _(
            "Meta counts a click as soon as someone taps the ad's link, even when the page never "
            "finishes loading or the person taps twice; we count the visits that reached your "
            "tracked link. A gap of one click in ten or so is common. Both figures are shown, never mixed."
        )
    return Step(
        "clicks",
        _("Clicks on the link"),
        number(figures.clicks),
        Kind.MEASURED,
        source,
        extra=extra,
    )


def steps_html(found: list[Step]) -> SafeString:
    """The steps as table rows, every text escaped (a template loop costs several times more)."""
    rows = format_html_join(
        "\n",
        '<tr class="step-{}"><th scope="row">{}</th><td class="num value">{}</td>'
        '<td class="extra">{}</td><td class="origin"><details><summary>'
        '<span class="badge kind-{}">{}</span></summary><p>{}</p></details></td></tr>',
        (
            (
                step.key,
                step.label,
                step.value,
                step.extra,
                step.kind.value,
                step.kind_label,
                step.source,
            )
            for step in found
        ),
    )
    return format_html('<table class="steps"><tbody>{}</tbody></table>', rows)
