"""Names and post ideas of the local dates, by key (translated in the planner catalogue)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

OPENING_HOURS = _("Tell your opening hours for the holiday, with a photo of the shop.")

TEXTS: dict[str, tuple[Promise, Promise]] = {
    # Public holidays
    "new_year": (
        _("New Year's Day"),
        _("Wish a happy new year and thank your customers for last year."),
    ),
    "easter_monday": (_("Easter Monday"), OPENING_HOURS),
    "labour_day": (
        _("Labour Day"),
        _("Say whether you are open on 1 May; lily of the valley in the shop?"),
    ),
    "victory_day": (_("Victory in Europe Day"), OPENING_HOURS),
    "ascension": (_("Ascension Day"), OPENING_HOURS),
    "whit_monday": (_("Whit Monday"), OPENING_HOURS),
    "bastille_day": (_("Bastille Day"), OPENING_HOURS),
    "assumption": (_("Assumption Day"), OPENING_HOURS),
    "all_saints": (_("All Saints' Day"), OPENING_HOURS),
    "armistice": (_("Armistice Day"), OPENING_HOURS),
    "christmas": (
        _("Christmas"),
        _("Open the Christmas orders: what, until when, how to order."),
    ),
    "abolition": (
        _("Abolition of slavery"),
        _("A day of remembrance: share how you mark it, and your opening hours."),
    ),
    "schoelcher_day": (_("Victor Schœlcher Day"), OPENING_HOURS),
    # Shop dates
    "sales": (
        _("Start of the sales"),
        _(
            "Show a few items on sale and say until when; "
            "only stock held for a month may be sold off."
        ),
    ),
    "epiphany": (
        _("Epiphany (kings' cake)"),
        _("Kings' cakes: which ones, from when, and who found the charm?"),
    ),
    "candlemas": (
        _("Candlemas (pancakes)"),
        _("Pancakes: your recipe, your flour, or a pancake offer."),
    ),
    "valentines_day": (
        _("Valentine's Day"),
        _("A gift idea for two, to order or to pick up."),
    ),
    "grandmothers_day": (
        _("Grandmothers' Day"),
        _("Ask customers to tag the grandmother they would treat."),
    ),
    "april_fools": (
        _("April Fools' Day"),
        _("A light joke in your trade's colours (and the fish, of course)."),
    ),
    "easter": (
        _("Easter"),
        _("Easter orders and treats: show them early, say until when."),
    ),
    "mothers_day": (_("Mother's Day"), _("Gift ideas for mothers, to book in advance.")),
    "fathers_day": (_("Father's Day"), _("Gift ideas for fathers, to book in advance.")),
    "music_day": (_("Music Day"), _("Are you open late? Music in the street? Say it.")),
    "back_to_school": (
        _("Back to school"),
        _("Back-to-school routine: what you offer the families of the neighbourhood."),
    ),
    "heritage_days": (
        _("Heritage Days"),
        _("Tell the history of your shop or of your trade."),
    ),
    "halloween": (
        _("Halloween"),
        _("A spooky product or window, with the children of the neighbourhood."),
    ),
    "black_friday": (
        _("Black Friday"),
        _("Your answer to Black Friday: an offer, or the choice of buying local."),
    ),
    "new_years_eve": (
        _("New Year's Eve"),
        _("New Year's Eve orders: the menu, the deadline, the pick-up times."),
    ),
    "mardi_gras_mainland": (
        _("Shrove Tuesday (Mardi gras)"),
        _("Fritters and pancakes for Mardi gras: show them coming out of the kitchen."),
    ),
    # Carnival and overseas customs
    "dimanche_gras": (
        _("Carnival Sunday (Dimanche gras)"),
        _("Carnival parade: are you open, do you have a treat for the crowds?"),
    ),
    "lundi_gras": (
        _("Carnival Monday (Lundi gras)"),
        _("Carnival: your opening hours for the parade days."),
    ),
    "mardi_gras": (
        _("Shrove Tuesday (Mardi gras)"),
        _("Mardi gras in red devils: a photo of the team in costume?"),
    ),
    "ash_wednesday": (
        _("Ash Wednesday, Vaval burned"),
        _("Black and white for the end of Carnival: say goodbye to Vaval with your customers."),
    ),
    "mi_careme": (
        _("Mid-Lent (Mi-Carême)"),
        _("Mi-Carême in red and white: a nod to the parade."),
    ),
    "carnival_opening": (
        _("Carnival season opens"),
        _("Carnival starts: Touloulou balls, costumes, your Carnival products."),
    ),
    "all_saints_lights": (
        _("All Saints' evening, graves lit up"),
        _(
            "Families light the graves on All Saints' evening: "
            "flowers, candles, your opening hours."
        ),
    ),
    "chante_nwel": (
        _("Chanté Nwel season"),
        _("Chanté Nwel: what you bring to the evenings of Christmas carols (drinks, cakes, ham)."),
    ),
}
