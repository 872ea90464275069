"""Readiness rules, version 1: every score, verdict, task, channel and roadmap step of a report.

How to read this file (an advisor can, without knowing Python):
- Each rule has a stable id (shown on the report beside what it produced), a condition on the
  answers (`Is(question, choice…)`, `Has(question, choice…)` for several-choice questions,
  `at_least`/`below`/`between` for numbers), and what it gives.
- Scores: every dimension starts at 0; each rule whose condition holds adds its points (a rule
  with 0 or negative points explains a weak spot). The result is kept between 0 and 100.
- Verdict: the verdict rules are read in order and the first that holds decides.
- Checklist: every task whose condition holds is listed, the highest impact first.
- Channels: each channel rule adds weight to a channel; the heaviest channel is recommended
  first, a second one only when the channel policy allows it.
- Roadmap: steps whose condition holds are placed quarter after quarter, at the pace given by
  the first pace rule that holds (sized to the hours a week); a step that does not fit in three
  years is listed under "later".
Texts may quote an answer: %(hours)s, %(local_share)s, %(budget)s, %(facebook_followers)s,
%(instagram_followers)s, %(channel1)s, %(channel2)s.

Changing what a rule means requires a new file (v2.py) and a new RULES_VERSION, so that past
reports keep reading as they did; fixing a typo does not.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from essayons.diagnostic.channels import Channel
from essayons.diagnostic.rules.conditions import (
    AllOf,
    AllScoresAtLeast,
    Always,
    AnyOf,
    AverageBelow,
    ChannelCount,
    Has,
    Is,
    Not,
    ScoreBelow,
    Unanswered,
    at_least,
    below,
    between,
    equals,
)
from essayons.diagnostic.rules.conditions import Dimension as D
from essayons.diagnostic.rules.conditions import Verdict as V
from essayons.diagnostic.rules.kinds import (
    AdviceRule,
    ChannelPolicy,
    ChannelRule,
    ChecklistRule,
    PaceRule,
    RoadmapRule,
    RuleSet,
    ScoreRule,
    VerdictRule,
)

RULES_VERSION = "v1"

NO_TIME = equals("hours_per_week", 0)
NOBODY = Is("who", "nobody")
SOMEONE = Is("who", "owner", "employee", "family")
HAS_WEBSITE = Is("website", "yes")
OLD_WEBSITE = AllOf(HAS_WEBSITE, Is("website_age", "old", "unknown"))
GOOGLE_CLAIMED = Is("google_claimed", "yes")
ACTIVE_SOCIAL = AnyOf(Is("facebook", "week", "month"), Is("instagram", "week", "month"))
SLEEPING_SOCIAL = AllOf(
    Not(ACTIVE_SOCIAL),
    AnyOf(Is("facebook", "months", "dormant"), Is("instagram", "months", "dormant")),
)
LOCAL = at_least("local_share", 50)
SHOP_GOALS = Has("goals", "walk_in", "bookings")
BIG_BUDGET = at_least("budget_per_month", 300)

# The tables below are laid out by hand, one rule per paragraph, to be read as a document.
# fmt: off
SCORE_RULES: tuple[ScoreRule, ...] = (
    # Interest: is it in the business's interest?
    ScoreRule("INT-SELF-YES", D.INTEREST, points=35,
        when=Is("interest", "yes"),
        reason=_("You are convinced it is useful: the best starting point.")),
    ScoreRule("INT-SELF-MAYBE", D.INTEREST, points=20,
        when=Is("interest", "maybe"),
        reason=_("You would like to be sure it is useful: this report is made for that.")),
    ScoreRule("INT-SELF-DOUBT", D.INTEREST, points=0,
        when=Is("interest", "unsure", "no"),
        reason=_("You doubt it is useful: we start with what pays off quickly and costs "
                 "nothing, with no obligation to go further.")),
    ScoreRule("INT-LOCAL", D.INTEREST, points=25,
        when=LOCAL,
        reason=_("%(local_share)s %% of your customers are from the area: they look for you "
                 "on Google Maps and follow the shops of their neighbourhood.")),
    ScoreRule("INT-GOALS", D.INTEREST, points=20,
        when=Has("goals", "walk_in", "bookings", "online_sales"),
        reason=_("You want more customers or more sales: that is what social media can "
                 "bring, step by step.")),
    ScoreRule("INT-FOUND-ONLINE", D.INTEREST, points=10,
        when=Has("found_by", "google", "social"),
        reason=_("Some customers already find you online.")),
    ScoreRule("INT-YOUNGER", D.INTEREST, points=10,
        when=Has("age_groups", "under_25", "25_44"),
        reason=_("Part of your customers are under 45: they look on their phone first.")),

    # Preparation: is the business ready?
    ScoreRule("PREP-SELF-YES", D.PREPARATION, points=25,
        when=Is("ready", "yes"),
        reason=_("You feel ready.")),
    ScoreRule("PREP-SELF-PARTLY", D.PREPARATION, points=15,
        when=Is("ready", "partly"),
        reason=_("You feel partly ready: the checklist says what is missing.")),
    ScoreRule("PREP-SELF-NOT-YET", D.PREPARATION, points=0,
        when=Is("ready", "no", "unsure"),
        reason=_("You don't feel ready yet: the checklist below says where to begin.")),
    ScoreRule("PREP-PROMISE-YES", D.PREPARATION, points=25,
        when=Is("promise_kept", "yes"),
        reason=_("You can keep what you announce if more customers come.")),
    ScoreRule("PREP-PROMISE-MOSTLY", D.PREPARATION, points=15,
        when=Is("promise_kept", "mostly"),
        reason=_("You keep what you announce most of the time.")),
    ScoreRule("PREP-PROMISE-NO", D.PREPARATION, points=0,
        when=Is("promise_kept", "no"),
        reason=_("If more customers come you may be overwhelmed: a promise not kept does "
                 "more harm than no post at all.")),
    ScoreRule("PREP-PHOTOS-YES", D.PREPARATION, points=20,
        when=Is("photos", "yes"),
        reason=_("You can take photos easily: that is most of the content.")),
    ScoreRule("PREP-PHOTOS-SOMETIMES", D.PREPARATION, points=10,
        when=Is("photos", "sometimes"),
        reason=_("You take photos now and then: a few simple tips will do.")),
    ScoreRule("PREP-SOMEONE", D.PREPARATION, points=15,
        when=SOMEONE,
        reason=_("Someone is named to take care of it.")),
    ScoreRule("PREP-FILE", D.PREPARATION, points=15,
        when=Is("customer_file", "spreadsheet", "email_list"),
        reason=_("You already keep a customer file.")),

    # Fit with the business's philosophy.
    ScoreRule("FIT-YES", D.FIT, points=60,
        when=Is("philosophy", "yes"),
        reason=_("Talking about your business in public is like you.")),
    ScoreRule("FIT-AUTHENTIC", D.FIT, points=50,
        when=Is("philosophy", "authentic"),
        reason=_("You want to stay yourselves without overdoing it: that is exactly the "
                 "right way.")),
    ScoreRule("FIT-UNSURE", D.FIT, points=25,
        when=Is("philosophy", "unsure"),
        reason=_("You don't know yet if it fits you: trying gently will tell.")),
    ScoreRule("FIT-WORD-OF-MOUTH", D.FIT, points=10,
        when=Is("philosophy", "not_really"),
        reason=_("With you, it is word of mouth: social media can extend it, at your pace, "
                 "without changing who you are.")),
    ScoreRule("FIT-SHOW-YES", D.FIT, points=40,
        when=Is("show_work", "yes"),
        reason=_("You are glad to show your work in pictures.")),
    ScoreRule("FIT-SHOW-PRODUCTS", D.FIT, points=30,
        when=Is("show_work", "products"),
        reason=_("Showing the products without showing people is quite possible.")),
    ScoreRule("FIT-SHOW-NO", D.FIT, points=0,
        when=Is("show_work", "no"),
        reason=_("You would rather not show your work in pictures: Google and e-mail suit "
                 "you better than Instagram.")),

    # Resources: time, people, money.
    ScoreRule("RES-NO-TIME", D.RESOURCES, points=0,
        when=NO_TIME,
        reason=_("You have no time for it right now: that is honest, and it is the first "
                 "thing to settle.")),
    ScoreRule("RES-HOURS-LITTLE", D.RESOURCES, points=20,
        when=between("hours_per_week", "0.1", 2),
        reason=_("%(hours)s h a week: enough for a Google listing and a post now and then.")),
    ScoreRule("RES-HOURS-SOME", D.RESOURCES, points=35,
        when=between("hours_per_week", 2, 5),
        reason=_("%(hours)s h a week: enough to keep one channel going regularly.")),
    ScoreRule("RES-HOURS-PLENTY", D.RESOURCES, points=45,
        when=at_least("hours_per_week", 5),
        reason=_("%(hours)s h a week: enough for two channels and answering customers.")),
    ScoreRule("RES-WHO-OWNER", D.RESOURCES, points=20,
        when=Is("who", "owner"),
        reason=_("You will do it yourself: nobody knows your business better, but your "
                 "time is counted.")),
    ScoreRule("RES-WHO-HELPER", D.RESOURCES, points=25,
        when=Is("who", "employee", "family"),
        reason=_("Someone close will do it: with a one-page charter they will speak like "
                 "you.")),
    ScoreRule("RES-WHO-NOBODY", D.RESOURCES, points=0,
        when=NOBODY,
        reason=_("Nobody is named yet: even with a budget, someone must answer customers.")),
    ScoreRule("RES-BUDGET-ZERO", D.RESOURCES, points=0,
        when=equals("budget_per_month", 0),
        reason=_("No budget: not a problem, everything suggested at first is free.")),
    ScoreRule("RES-BUDGET-SMALL", D.RESOURCES, points=10,
        when=between("budget_per_month", 1, 100),
        reason=_("A small budget (%(budget)s € a month): enough to print a QR code, or for "
                 "a small measured test later.")),
    ScoreRule("RES-BUDGET", D.RESOURCES, points=15,
        when=at_least("budget_per_month", 100),
        reason=_("A budget of %(budget)s € a month: useful once the basics are in place.")),
    ScoreRule("RES-PHOTOS-YES", D.RESOURCES, points=15,
        when=Is("photos", "yes"),
        reason=_("You can make your own pictures.")),
    ScoreRule("RES-PHOTOS-SOMETIMES", D.RESOURCES, points=5,
        when=Is("photos", "sometimes"),
        reason=_("You can make some pictures yourself.")),
    ScoreRule("RES-MONEY-WITHOUT-HANDS", D.RESOURCES, points=-20,
        when=AllOf(BIG_BUDGET, AnyOf(NOBODY, NO_TIME)),
        reason=_("A real budget but nobody with time to do the work: money spent without "
                 "anyone to follow up is money lost.")),

    # Communication basics: what already exists.
    ScoreRule("BAS-GOOGLE-CLAIMED", D.BASICS, points=30,
        when=GOOGLE_CLAIMED,
        reason=_("Your Google listing is in your name.")),
    ScoreRule("BAS-GOOGLE-UNCLAIMED", D.BASICS, points=0,
        when=Not(GOOGLE_CLAIMED),
        reason=_("Your Google listing is not in your name: anyone can suggest other "
                 "opening hours for it.")),
    ScoreRule("BAS-GOOGLE-FRESH", D.BASICS, points=15,
        when=Is("google_up_to_date", "yes"),
        reason=_("Your opening hours and photos are up to date on Google.")),
    ScoreRule("BAS-GOOGLE-PARTLY", D.BASICS, points=5,
        when=Is("google_up_to_date", "partly"),
        reason=_("Your Google listing is partly up to date.")),
    ScoreRule("BAS-WEBSITE-RECENT", D.BASICS, points=15,
        when=AllOf(HAS_WEBSITE, Is("website_age", "recent", "one_to_three")),
        reason=_("Your website was redone less than 3 years ago.")),
    ScoreRule("BAS-WEBSITE-OLD", D.BASICS, points=5,
        when=OLD_WEBSITE,
        reason=_("Your website exists but has not been looked at for a long time: check at "
                 "least the opening hours and the phone number.")),
    ScoreRule("BAS-NO-WEBSITE", D.BASICS, points=0,
        when=Is("website", "no"),
        reason=_("No website: it does not block the start, your Google listing can stand "
                 "in for one.")),
    ScoreRule("BAS-SOCIAL-ACTIVE", D.BASICS, points=25,
        when=ACTIVE_SOCIAL,
        reason=_("You already post regularly.")),
    ScoreRule("BAS-SOCIAL-SLEEPING", D.BASICS, points=10,
        when=SLEEPING_SOCIAL,
        reason=_("You have a page, but it is asleep: waking it up is easier than starting "
                 "one.")),
    ScoreRule("BAS-AUDIENCE", D.BASICS, points=10,
        when=AnyOf(at_least("facebook_followers", 200), at_least("instagram_followers", 200)),
        reason=_("You already have followers (more than 200): an audience exists.")),
    ScoreRule("BAS-EMAIL-LIST", D.BASICS, points=5,
        when=Is("customer_file", "email_list"),
        reason=_("You already write to your customers by e-mail.")),

    # Customer care.
    ScoreRule("CARE-SOMEONE", D.CARE, points=25,
        when=Is("complaint_who", "owner", "employee"),
        reason=_("Someone answers unhappy customers.")),
    ScoreRule("CARE-NOBODY", D.CARE, points=0,
        when=Is("complaint_who", "nobody"),
        reason=_("Nobody is in charge of unhappy customers: online, a disappointed customer "
                 "speaks in public.")),
    ScoreRule("CARE-SAME-DAY", D.CARE, points=35,
        when=Is("complaint_speed", "same_day"),
        reason=_("You answer complaints the same day.")),
    ScoreRule("CARE-FEW-DAYS", D.CARE, points=20,
        when=Is("complaint_speed", "few_days"),
        reason=_("You answer complaints within a few days: online, within 48 hours is "
                 "better.")),
    ScoreRule("CARE-SLOW", D.CARE, points=0,
        when=Is("complaint_speed", "week", "rarely"),
        reason=_("Complaints wait a week or more: 67 %% of disappointed customers advise "
                 "others against the business.")),
    ScoreRule("CARE-REVIEWS-ALWAYS", D.CARE, points=20,
        when=Is("reviews_answered", "always"),
        reason=_("You answer every review.")),
    ScoreRule("CARE-REVIEWS-SOMETIMES", D.CARE, points=10,
        when=Is("reviews_answered", "sometimes"),
        reason=_("You answer reviews sometimes.")),
    ScoreRule("CARE-REVIEWS-NEVER", D.CARE, points=0,
        when=Is("reviews_answered", "never"),
        reason=_("You never answer reviews: a short thank-you or an apology is read by every "
                 "future customer.")),
    ScoreRule("CARE-PROMISE-YES", D.CARE, points=20,
        when=Is("promise_kept", "yes"),
        reason=_("You keep what you announce: that is the heart of customer care.")),
    ScoreRule("CARE-PROMISE-MOSTLY", D.CARE, points=10,
        when=Is("promise_kept", "mostly"),
        reason=_("You keep what you announce most of the time.")),

    # Measurement: knowing what brings customers, in the shop as well as online.
    ScoreRule("MES-SOURCE-YES", D.MEASUREMENT, points=35,
        when=Is("knows_source", "yes"),
        reason=_("You ask new customers how they heard of you.")),
    ScoreRule("MES-SOURCE-ROUGHLY", D.MEASUREMENT, points=15,
        when=Is("knows_source", "roughly"),
        reason=_("You roughly know how new customers find you.")),
    ScoreRule("MES-SOURCE-NO", D.MEASUREMENT, points=0,
        when=Is("knows_source", "no"),
        reason=_("You don't know how new customers find you: without it, nobody can say "
                 "what a post brings into the shop.")),
    ScoreRule("MES-EMAIL-LIST", D.MEASUREMENT, points=25,
        when=Is("customer_file", "email_list"),
        reason=_("Your e-mail list lets you count who comes back.")),
    ScoreRule("MES-FILE", D.MEASUREMENT, points=15,
        when=Is("customer_file", "spreadsheet"),
        reason=_("Your customer file lets you count regulars.")),
    ScoreRule("MES-ADS-MEASURED", D.MEASUREMENT, points=20,
        when=Is("tried_ads", "measured"),
        reason=_("You know what your past advertising brought in.")),
    ScoreRule("MES-ADS-UNMEASURED", D.MEASUREMENT, points=0,
        when=Is("tried_ads", "unmeasured"),
        reason=_("You paid for advertising without knowing what it brought in: the story "
                 "of the article (500 €, 800 likes, 6 sales, nothing known about the shop).")),
    ScoreRule("MES-NO-ADS", D.MEASUREMENT, points=10,
        when=Is("tried_ads", "no"),
        reason=_("No advertising yet: nothing lost, we will measure from the start.")),
    ScoreRule("MES-ONLINE-SALES", D.MEASUREMENT, points=20,
        when=AllOf(HAS_WEBSITE, Is("website_sells", "orders", "bookings")),
        reason=_("Your online orders or bookings are already counted.")),
)

VERDICT_RULES: tuple[VerdictRule, ...] = (
    VerdictRule("V-NO-TIME", V.PREPARE_FIRST,
        when=NO_TIME,
        reason=_("Without a single hour a week, the first step is to find one: everything "
                 "else can wait.")),
    VerdictRule("V-NOBODY", V.PREPARE_FIRST,
        when=NOBODY,
        reason=_("Nobody is named to do it: decide who first, even for one hour a week.")),
    VerdictRule("V-NOT-WANTED", V.PREPARE_FIRST,
        when=AllOf(Is("interest", "no"), Is("philosophy", "not_really")),
        reason=_("You see no interest and it does not fit your way of working: no "
                 "obligation. Claiming your Google listing is still worth it, the rest can "
                 "wait.")),
    VerdictRule("V-READY", V.READY,
        when=AllScoresAtLeast(60),
        reason=_("Every score is at least 60: you can start now, at the pace of the "
                 "roadmap.")),
    VerdictRule("V-WEAK", V.PREPARE_FIRST,
        when=AnyOf(AverageBelow(35), ScoreBelow(D.RESOURCES, 20), ScoreBelow(D.CARE, 20)),
        reason=_("Some foundations are missing: prepare them first, it takes a few weeks, "
                 "not a few months.")),
    VerdictRule("V-SMALL-STEPS", V.SMALL_STEPS,
        when=Always(),
        reason=_("You can start, in small steps: tick the first tasks of the checklist, "
                 "then open one channel.")),
)

CHECKLIST_RULES: tuple[ChecklistRule, ...] = (
    ChecklistRule("CL-FIND-TIME", impact=100,
        when=NO_TIME,
        title=_("Block one hour a week in your diary"),
        why=_("Without a regular hour nothing holds; with it, a Google listing and a post a "
              "week are possible."),
        duration=_("5 minutes, then 1 hour a week"),
        how=_("Choose a quiet slot (e.g. Tuesday 2–3 pm), write it in your diary like an "
              "appointment, and keep it for a month.")),
    ChecklistRule("CL-NAME-SOMEONE", impact=98,
        when=NOBODY,
        title=_("Decide who takes care of it"),
        why=_("Even with a budget, someone has to answer customers and give news; a provider "
              "also needs someone to brief them."),
        duration=_("One conversation"),
        how=_("You, someone in the family or an employee: one name, one hour a week. If it "
              "is not you, you approve what is posted.")),
    ChecklistRule("CL-GOOGLE-CLAIM", impact=95,
        when=Not(GOOGLE_CLAIMED),
        title=_("Claim your Google listing first"),
        why=_("It is free and it is where local customers look: opening hours, route, phone, "
              "reviews. Without it, anyone can change your opening hours."),
        duration=_("30 minutes, then a few days for the verification code"),
        how=_("On business.google.com, search for your business, choose “Claim this "
              "business” and follow the verification (letter, phone call or short video)."),
        terms=("google-business-profile", "local-seo")),
    ChecklistRule("CL-COMPLAINTS", impact=90,
        when=AnyOf(Is("complaint_who", "nobody"), Is("complaint_speed", "week", "rarely")),
        title=_("Decide who answers unhappy customers, and within how long"),
        why=_("Online, a disappointed customer speaks in public, and 67 %% of them advise "
              "others against the business. A quick, calm answer wins many of them back."),
        duration=_("30 minutes"),
        how=_("Write three sentences you are comfortable with (thank, apologise, offer a "
              "solution), name who answers, and aim for within 48 hours.")),
    ChecklistRule("CL-GOOGLE-UPDATE", impact=85,
        when=Not(Is("google_up_to_date", "yes")),
        title=_("Update your opening hours and photos on Google"),
        why=_("A customer who finds the door closed when Google said “open” does not come "
              "back."),
        duration=_("20 minutes"),
        how=_("In your Google listing: opening hours (public holidays too), phone, 5 recent "
              "photos of the shop front, the inside and your products."),
        terms=("google-business-profile",)),
    ChecklistRule("CL-PROMISE", impact=80,
        when=Is("promise_kept", "no"),
        title=_("Check you can keep your promises before bringing in more customers"),
        why=_("Keeping what you announce matters more than being “nice” online: a promise "
              "not kept makes unhappy customers."),
        duration=_("1 hour"),
        how=_("List what you announce (opening hours, products, delays) and what fails when "
              "it is busy; announce only what holds.")),
    ChecklistRule("CL-REVIEWS", impact=70,
        when=Is("reviews_answered", "never", "sometimes"),
        title=_("Answer your Google reviews, the bad ones first"),
        why=_("Future customers read the answers more than the stars."),
        duration=_("10 minutes a week"),
        how=_("Thank good reviews in one sentence; for a bad one, apologise, give a solution "
              "and invite the person to come and talk."),
        terms=("earned-media",)),
    ChecklistRule("CL-WAKE-PAGE", impact=65,
        when=SLEEPING_SOCIAL,
        title=_("Tidy up your sleeping page"),
        why=_("A page whose last post is old makes people think the shop is closed."),
        duration=_("30 minutes"),
        how=_("Update the opening hours, address, phone and cover photo, then post one "
              "simple photo: “We are here, open Tuesday to Sunday”.")),
    ChecklistRule("CL-PHOTOS", impact=60,
        when=Not(Is("photos", "yes")),
        title=_("Take 10 good photos with your phone"),
        why=_("Photos are most of what you will post; having some in advance saves time "
              "every week."),
        duration=_("1 hour"),
        how=_("Daylight, the product seen from the front, a clean lens, no zoom. Shop front, "
              "counter, three best-sellers, your hands at work.")),
    ChecklistRule("CL-ASK-SOURCE", impact=55,
        when=Not(Is("knows_source", "yes")),
        title=_("Ask “How did you hear of us?” at the till"),
        why=_("It is the only way to know what brings customers into the shop, not only "
              "online."),
        duration=_("A few seconds per new customer"),
        how=_("Ask each new customer and tick a box on a sheet by the till (passing by, word "
              "of mouth, Google, Facebook…)."),
        terms=("drive-to-store",)),
    ChecklistRule("CL-EMAIL-LIST", impact=50,
        when=Is("customer_file", "none", "paper"),
        title=_("Start a list of your regulars' e-mail addresses, with their consent"),
        why=_("Your regulars are your best customers; an e-mail reaches them without "
              "depending on an algorithm."),
        duration=_("15 minutes to set up, then a few seconds per customer"),
        how=_("A QR code on the counter leading to a short form, or a card to fill in; always "
              "say what you will send and how to unsubscribe."),
        terms=("newsletter", "algorithm")),
    ChecklistRule("CL-CHARTER", impact=45,
        when=AnyOf(Is("who", "employee", "family"), AllOf(BIG_BUDGET, NOBODY)),
        title=_("Write on one page how your business talks to customers"),
        why=_("Whoever posts for you must be sure not to say anything silly: the charter says "
              "what you promise, to whom, and the words you use or avoid."),
        duration=_("1 hour"),
        how=_("Answer simple questions: what do we sell, to whom, why us, how do we speak "
              "(“vous” or “tu”, tone, emojis or not)."),
        terms=("community-manager",)),
    ChecklistRule("CL-WEBSITE-CHECK", impact=40,
        when=OLD_WEBSITE,
        title=_("Check your website is right, without redoing it"),
        why=_("Wrong opening hours or an old phone number cost customers; a redesign can "
              "wait."),
        duration=_("30 minutes"),
        how=_("Open your site on your phone: opening hours, address, phone, a link to your "
              "Google listing. Correct what is wrong, nothing more.")),
    ChecklistRule("CL-MEASURE-ADS", impact=35,
        when=Is("tried_ads", "unmeasured"),
        title=_("Before any new advertising, plan how you will know what it brought in"),
        why=_("Reach and likes are not sales: without a code or a question at the till, the "
              "shop's customers stay invisible."),
        duration=_("15 minutes"),
        how=_("One promo code or one QR code per advertisement, and the question “How did "
              "you hear of us?” at the till."),
        terms=("reach", "promo-code", "roi")),
    ChecklistRule("CL-LOOK-AROUND", impact=30,
        when=Is("interest", "unsure", "no"),
        title=_("Look at what 2 or 3 businesses like yours do"),
        why=_("Seeing a colleague's page helps decide whether it is worth it for you, with no "
              "commitment."),
        duration=_("1 hour"),
        how=_("Pick 2 or 3 businesses of your trade, nearby or elsewhere: what they post, how "
              "often, what gets comments. Note one idea you like."),
        terms=("engagement",)),
)

CHANNEL_RULES: tuple[ChannelRule, ...] = (
    ChannelRule("CH-GOOGLE-LOCAL", Channel.GOOGLE, weight=40,
        when=LOCAL,
        reason=_("%(local_share)s %% of your customers are from the area: they find you on "
                 "Google Maps."),
        terms=("local-seo",)),
    ChannelRule("CH-GOOGLE-SHOP", Channel.GOOGLE, weight=20,
        when=SHOP_GOALS,
        reason=_("You want more customers at the door or more bookings: your Google listing "
                 "gives the route, the hours and the phone."),
        terms=("drive-to-store",)),
    ChannelRule("CH-GOOGLE-LITTLE-TIME", Channel.GOOGLE, weight=15,
        when=below("hours_per_week", 2),
        reason=_("Once up to date, a Google listing needs only a few minutes a week.")),
    ChannelRule("CH-GOOGLE-FOUND", Channel.GOOGLE, weight=10,
        when=Has("found_by", "google"),
        reason=_("Customers already find you through Google.")),
    ChannelRule("CH-FACEBOOK-PAGE", Channel.FACEBOOK, weight=20,
        when=Is("facebook", "week", "month", "months", "dormant"),
        reason=_("You already have a Facebook page: start again from it rather than from "
                 "nothing."),
        terms=("followers",)),
    ChannelRule("CH-FACEBOOK-REACH", Channel.FACEBOOK, weight=20,
        when=Has("age_groups", "25_44", "45_64", "65_plus"),
        reason=_("Facebook reaches the most people, especially adults over 25: your "
                 "customers are there."),
        terms=("reach",)),
    ChannelRule("CH-FACEBOOK-WORD", Channel.FACEBOOK, weight=10,
        when=Has("found_by", "social", "word_of_mouth"),
        reason=_("Your customers recommend you: on Facebook, a recommendation is shared with "
                 "their friends."),
        terms=("earned-media",)),
    ChannelRule("CH-INSTAGRAM-VISUAL", Channel.INSTAGRAM, weight=25,
        when=AllOf(Is("show_work", "yes", "products"), Is("photos", "yes")),
        reason=_("Your work shows well in pictures and you can take them: Instagram is made "
                 "for that.")),
    ChannelRule("CH-INSTAGRAM-YOUNG", Channel.INSTAGRAM, weight=20,
        when=Has("age_groups", "under_25", "25_44"),
        reason=_("Part of your customers are under 45: they are on Instagram.")),
    ChannelRule("CH-INSTAGRAM-ACTIVE", Channel.INSTAGRAM, weight=15,
        when=Is("instagram", "week", "month"),
        reason=_("You already post on Instagram regularly.")),
    ChannelRule("CH-LINKEDIN-B2B", Channel.LINKEDIN, weight=50,
        when=Is("customer_type", "professionals"),
        reason=_("Your customers are mostly professionals: they are on LinkedIn.")),
    ChannelRule("CH-LINKEDIN-MIXED", Channel.LINKEDIN, weight=20,
        when=Is("customer_type", "both"),
        reason=_("Part of your customers are professionals: LinkedIn reaches them.")),
    ChannelRule("CH-LINKEDIN-RECRUIT", Channel.LINKEDIN, weight=15,
        when=Has("goals", "recruitment"),
        reason=_("You want to recruit: LinkedIn is where people look for a job.")),
    ChannelRule("CH-EMAIL-LIST", Channel.EMAIL, weight=45,
        when=Is("customer_file", "email_list"),
        reason=_("You already have an e-mail list: a monthly letter to your regulars depends "
                 "on no algorithm."),
        terms=("newsletter", "owned-media")),
    ChannelRule("CH-EMAIL-FILE", Channel.EMAIL, weight=20,
        when=Is("customer_file", "spreadsheet"),
        reason=_("Your customer file can become an e-mail list for your regulars, with their "
                 "consent."),
        terms=("newsletter",)),
    ChannelRule("CH-EMAIL-REGULARS", Channel.EMAIL, weight=10,
        when=AllOf(LOCAL, Is("customer_file", "spreadsheet", "email_list")),
        reason=_("Your customers are regulars from the area: a word from you brings them "
                 "back to the shop.")),
)

CHANNEL_POLICY = ChannelPolicy(
    first_id="CH-FIRST",
    first_reason=_("First: the channel with the most reasons in your answers."),
    second_id="CH-SECOND",
    second_when=AllOf(at_least("hours_per_week", 2), SOMEONE),
    second_min_weight=30,
    second_reason=_("Second, once the first one runs: with %(hours)s h a week and someone "
                    "named, a second channel fits."),
    default_id="CH-DEFAULT",
    default_channel=Channel.GOOGLE,
    default_reason=_("Without more to go on, a Google listing is the cheapest place to "
                     "start: free, and where people look for a business."),
)

NOT_YET_RULES: tuple[AdviceRule, ...] = (
    AdviceRule("NY-EVERYWHERE",
        when=Always(),
        text=_("Don't try to be everywhere: one or two channels kept alive are worth more "
               "than five abandoned accounts.")),
    AdviceRule("NY-ONE-CHANNEL",
        when=ChannelCount(1),
        text=_("Don't add a second network until the first one has run for three months at "
               "the same pace.")),
    AdviceRule("NY-ADS",
        when=AnyOf(ScoreBelow(D.BASICS, 60), ScoreBelow(D.MEASUREMENT, 50),
                   ScoreBelow(D.CARE, 50)),
        text=_("No paid advertising before the basics: otherwise, as in the article, 150,000 "
               "people reached, 800 likes, 6 online sales and no idea about the shop."),
        terms=("sponsored-post", "paid-media")),
    AdviceRule("NY-WEBSITE",
        when=AllOf(AnyOf(Is("website", "no"), OLD_WEBSITE), Not(Has("goals", "online_sales"))),
        text=_("Don't redo the website first: your Google listing and one page kept up to "
               "date are enough to start; the website can come later."),
        terms=("google-business-profile",)),
    AdviceRule("NY-HIRE",
        when=AllOf(BIG_BUDGET, NOBODY),
        text=_("Don't hire anyone or hand everything to a provider before writing your "
               "charter: you must be sure they won't say anything silly in your name."),
        terms=("community-manager",)),
    AdviceRule("NY-DAILY",
        when=below("hours_per_week", 3),
        text=_("No need to post every day: one post a week, every week, is better than seven "
               "in one week and then nothing.")),
    AdviceRule("NY-FOLLOWERS",
        when=AnyOf(at_least("facebook_followers", 1), at_least("instagram_followers", 1)),
        text=_("Don't chase followers: a few hundred people from the neighbourhood are worth "
               "more than 40,000 strangers."),
        terms=("followers", "engagement")),
    AdviceRule("NY-CONTESTS",
        when=LOCAL,
        text=_("No contests just to collect likes: they bring people who will never come to "
               "the shop."),
        terms=("engagement",)),
)

PACE_RULES: tuple[PaceRule, ...] = (
    PaceRule("PACE-SLOW", quarters_per_step=2, steps_per_quarter=1,
        when=AnyOf(below("hours_per_week", 1), NOBODY, Unanswered("hours_per_week")),
        text=_("Less than an hour a week, or nobody named yet: one step every two "
               "quarters.")),
    PaceRule("PACE-STEADY", quarters_per_step=1, steps_per_quarter=1,
        when=below("hours_per_week", 4),
        text=_("%(hours)s h a week: one step per quarter.")),
    PaceRule("PACE-BRISK", quarters_per_step=1, steps_per_quarter=2,
        when=Always(),
        text=_("%(hours)s h a week: up to two steps per quarter.")),
)

ROADMAP_RULES: tuple[RoadmapRule, ...] = (
    RoadmapRule("RM-FOUNDATIONS",
        when=Always(),
        title=_("Lay the foundations"),
        detail=_("The first tasks of the checklist, the ones with the most impact first.")),
    RoadmapRule("RM-CARE",
        when=ScoreBelow(D.CARE, 60),
        title=_("Settle how you answer customers"),
        detail=_("Who answers, within 48 hours, with your three ready sentences; reviews "
                 "answered every week.")),
    RoadmapRule("RM-FIRST-CHANNEL",
        when=Always(),
        title=_("Get %(channel1)s going at a pace you can keep"),
        detail=_("One post a week, always on the same day; photos taken in advance; note "
                 "what customers mention at the till.")),
    RoadmapRule("RM-MEASURE",
        when=Always(),
        title=_("Measure what comes into the shop"),
        detail=_("The question at the till, a promo code or a QR code per operation; compare "
                 "month by month."),
        terms=("kpi", "promo-code", "utm")),
    RoadmapRule("RM-EMAIL",
        when=Not(Is("customer_file", "email_list")),
        title=_("Collect your regulars' e-mail addresses"),
        detail=_("A QR code on the counter, consent asked, a welcome message."),
        terms=("newsletter",)),
    RoadmapRule("RM-NEWSLETTER",
        when=Always(),
        title=_("Write to your regulars once a month"),
        detail=_("News, the product of the month, an invitation: short, with a photo."),
        terms=("newsletter", "owned-media")),
    RoadmapRule("RM-SECOND-CHANNEL",
        when=ChannelCount(2),
        title=_("Add %(channel2)s"),
        detail=_("Only if %(channel1)s has kept its pace for three months; otherwise, "
                 "wait.")),
    RoadmapRule("RM-AD-TEST",
        when=AllOf(at_least("budget_per_month", 30), SOMEONE),
        title=_("A small, measured advertising test"),
        detail=_("A few tens of euros on your best post, for people nearby, with a promo "
                 "code to count who comes into the shop."),
        terms=("sponsored-post", "cost-per-acquisition")),
    RoadmapRule("RM-WEBSITE",
        when=AnyOf(Is("website", "no"), OLD_WEBSITE, Has("goals", "online_sales")),
        title=_("Think about the website"),
        detail=_("Now that you know what your customers look for, decide whether a simple "
                 "site (or online ordering) is worth it."),
        terms=("seo", "conversion")),
    RoadmapRule("RM-AMBASSADORS",
        when=Always(),
        title=_("Turn happy customers into ambassadors"),
        detail=_("Ask your best customers for a Google review, share their photos with "
                 "their consent, thank them in public."),
        terms=("earned-media",)),
    RoadmapRule("RM-REVIEW", quarters=(4, 8, 12),
        when=Always(),
        title=_("Retake this diagnostic"),
        detail=_("Compare with today and adapt the plan: we look two or three years ahead, "
                 "and adjust as we go.")),
)
# fmt: on

RULESET = RuleSet(
    version=RULES_VERSION,
    score_rules=SCORE_RULES,
    verdict_rules=VERDICT_RULES,
    checklist_rules=CHECKLIST_RULES,
    channel_rules=CHANNEL_RULES,
    channel_policy=CHANNEL_POLICY,
    not_yet_rules=NOT_YET_RULES,
    pace_rules=PACE_RULES,
    roadmap_rules=ROADMAP_RULES,
    horizon_quarters=12,
)
