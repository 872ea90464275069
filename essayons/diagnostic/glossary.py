"""The glossary: each technical word in plain words, with an example from a small shop.

Templates link a word to it with `{% load glossary %}{% term "reach" %}`; a key missing here
is an error, never a dead link.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Term:
    key: str  # also the anchor on the glossary page
    name: StrOrPromise
    definition: StrOrPromise
    example: StrOrPromise


TERMS: tuple[Term, ...] = (
    Term(
        "owned-media",
        pgettext_lazy("glossary term", "Owned media"),
        _(
            "The places that belong to you: your shop window, your website, your customer "
            "e-mail list, your leaflets. Nobody can take them away or change the rules."
        ),
        _("The newsletter you send to your 300 regulars is owned media."),
    ),
    Term(
        "paid-media",
        pgettext_lazy("glossary term", "Paid media"),
        _(
            "Visibility you pay for: an advertisement on Facebook, on the radio, in the "
            "newspaper, a sponsored post."
        ),
        _("€50 to show your Mother's Day cakes to people living within 5 km is paid media."),
    ),
    Term(
        "earned-media",
        pgettext_lazy("glossary term", "Earned media"),
        _(
            "What others say about you without being paid: reviews, shares, word of mouth, an "
            "article in the local paper. The most convincing, and the one you control least."
        ),
        _("A customer posts a photo of your birthday cake and tags your page: earned media."),
    ),
    Term(
        "reach",
        pgettext_lazy("glossary term", "Reach"),
        _(
            "The number of different people who saw a post or an advertisement at least once. "
            "Seeing is not buying."
        ),
        _(
            "Your post about the new bread reached 1,200 people: 1,200 people saw it scroll "
            "by, not 1,200 customers."
        ),
    ),
    Term(
        "impression",
        pgettext_lazy("glossary term", "Impression"),
        _(
            "One display of a post on a screen. The same person can count for several "
            "impressions, so there are always more impressions than people reached."
        ),
        _("300 people saw your post twice: 600 impressions, a reach of 300."),
    ),
    Term(
        "engagement",
        pgettext_lazy("glossary term", "Engagement"),
        _(
            "What people do with a post: like, comment, share, save, click. It shows interest, "
            "not sales."
        ),
        _(
            "40 likes and 6 comments “What time does it come out of the oven?” on your photo: "
            "good engagement."
        ),
    ),
    Term(
        "followers",
        pgettext_lazy("glossary term", "Followers"),
        _(
            "The people who subscribed to your page or account to see your posts. The number "
            "matters less than who they are."
        ),
        _(
            "600 followers who live in your neighbourhood are worth more than 40,000 strangers "
            "on the other side of the world."
        ),
    ),
    Term(
        "algorithm",
        pgettext_lazy("glossary term", "Algorithm"),
        _(
            "The rules by which a network decides who sees which post. It doesn't show all "
            "your posts to all your followers."
        ),
        _(
            "Facebook shows your post to 80 of your 600 followers, more if the first ones "
            "react: that is the algorithm."
        ),
    ),
    Term(
        "hashtag",
        pgettext_lazy("glossary term", "Hashtag"),
        _(
            "A word preceded by # that groups posts on the same subject and helps people find "
            "them. A few well-chosen ones are enough."
        ),
        _("#FortDeFrance #boulangerie #painaubeurre under your photo of the morning's bread."),
    ),
    Term(
        "sponsored-post",
        pgettext_lazy("glossary term", "Sponsored post (boost)"),
        _(
            "A post you pay for so that it is shown to more people, chosen by place, age or "
            "interests. “Boost” is Facebook's button for it."
        ),
        _("You boost your Christmas log post for €20, for people within 10 km."),
    ),
    Term(
        "retargeting",
        pgettext_lazy("glossary term", "Retargeting"),
        _(
            "Showing an advertisement again to people who already visited your website or "
            "interacted with your page."
        ),
        _(
            "Someone looked at your order form without ordering: two days later, they see your "
            "ad for the same cake."
        ),
    ),
    Term(
        "utm",
        pgettext_lazy("glossary term", "UTM (tracked link)"),
        _(
            "A web address to which a few labels are added (utm_source, utm_campaign…) so that "
            "you know which post or which e-mail brought the visitor."
        ),
        _(
            "The link in your Facebook post ends with ?utm_source=facebook&utm_campaign=easter: "
            "your site's statistics know the visit came from there."
        ),
    ),
    Term(
        "click-through-rate",
        pgettext_lazy("glossary term", "Click-through rate"),
        _("Out of 100 people who saw a link or an advertisement, how many clicked on it."),
        _("1,000 people saw your ad, 15 clicked: a click-through rate of 1.5 %."),
    ),
    Term(
        "conversion",
        pgettext_lazy("glossary term", "Conversion"),
        _(
            "When someone does what you hoped for: buys, books, orders, signs up. The "
            "conversion rate is how many do, out of 100 visitors."
        ),
        _("Out of 200 visits to your order page, 8 people ordered a cake: 8 conversions."),
    ),
    Term(
        "cost-per-acquisition",
        pgettext_lazy("glossary term", "Cost per acquisition"),
        _(
            "What one new customer cost you in advertising: the money spent divided by the "
            "number of customers it brought."
        ),
        _("€60 of advertising, 12 people came with the promo code: €5 per customer."),
    ),
    Term(
        "roi",
        pgettext_lazy("glossary term", "ROI (return on investment)"),
        _(
            "What an expense brought in, compared with what it cost. Above 1, it paid; below, "
            "it lost money."
        ),
        _(
            "€100 of advertising, €350 of sales traced to it (with a code): €3.50 brought in "
            "for every euro."
        ),
    ),
    Term(
        "drive-to-store",
        pgettext_lazy("glossary term", "Drive-to-store"),
        _(
            "Using the internet to bring people into the physical shop, and counting the ones "
            "who come."
        ),
        _(
            "A post “Show this photo at the counter: a free croissant with 6 bought”, and you "
            "count the photos shown."
        ),
    ),
    Term(
        "promo-code",
        pgettext_lazy("glossary term", "Promo code"),
        _(
            "A short word customers give at the till or type online; one code per post or "
            "advertisement tells you which one brought them."
        ),
        _("“TIPAIN10” only in the Facebook post: 14 customers said it at the till this month."),
    ),
    Term(
        "kpi",
        pgettext_lazy("glossary term", "KPI (key performance indicator)"),
        _(
            "A few figures you follow regularly to know whether things are going well. Choose "
            "the ones linked to sales, not to vanity."
        ),
        _("For a bakery: new customers per week saying “seen on Facebook”, and cake orders."),
    ),
    Term(
        "seo",
        pgettext_lazy("glossary term", "SEO (search engine optimisation)"),
        _(
            "Everything that helps your website appear higher in Google's results without "
            "paying: clear texts, correct addresses, a fast site."
        ),
        _(
            "Writing “wedding cakes in Fort-de-France” on your site, because that is what "
            "people type."
        ),
    ),
    Term(
        "local-seo",
        pgettext_lazy("glossary term", "Local SEO"),
        _(
            "Appearing when people nearby search “bakery” or “hairdresser” on Google or "
            "Google Maps. It relies mostly on your Google listing and your reviews."
        ),
        _(
            "Your listing claimed, the right hours and 40 reviews: you appear among the first "
            "three bakeries on the map."
        ),
    ),
    Term(
        "google-business-profile",
        pgettext_lazy("glossary term", "Google Business Profile"),
        _(
            "Your business's free listing on Google and Google Maps: address, opening hours, "
            "phone, photos, reviews. You “claim” it to be able to change it."
        ),
        _(
            "Someone types “bakery open Sunday” on their phone: your listing appears with your "
            "hours and the route."
        ),
    ),
    Term(
        "newsletter",
        pgettext_lazy("glossary term", "Newsletter"),
        _(
            "A letter sent by e-mail to the customers who agreed to receive it, for example "
            "once a month. It always includes a way to unsubscribe."
        ),
        _("In early December, “Our Christmas logs: order before the 20th” sent to 250 regulars."),
    ),
    Term(
        "community-manager",
        pgettext_lazy("glossary term", "Community manager"),
        _(
            "The person who runs a business's pages: posts, answers comments and messages. In "
            "a small shop, it is often the owner or a helper, a few hours a week."
        ),
        _("Your niece posts on Tuesdays and answers messages; you approve before it is posted."),
    ),
    Term(
        "ambassador",
        pgettext_lazy("glossary term", "Ambassador"),
        _(
            "A satisfied customer who talks about you on their own: recommends you, leaves a "
            "review, shares your posts."
        ),
        _(
            "Mrs. Louis, who comes every morning and sends her whole office to you, is an "
            "ambassador."
        ),
    ),
    Term(
        "catchment-area",
        pgettext_lazy("glossary term", "Catchment area"),
        _(
            "The area your customers come from. For a bakery, often a few streets or a "
            "neighbourhood."
        ),
        _("70 percent of your customers live or work within 1 km: that is your catchment area."),
    ),
)

TERMS_BY_KEY: dict[str, Term] = {t.key: t for t in TERMS}
