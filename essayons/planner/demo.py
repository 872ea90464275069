"""Demo data for Boulangerie Ti Pain (Fort-de-France): a charte, a plan for 2 hours a week,
and a week of posts in every state, so the calendar and the approvals are alive at once.

Posts are written directly (no e-mails are sent for demo data). A demo helper, who cannot
log in (no usable password), is added to show the approval workflow.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from essayons.accounts.models import Business, Membership, User
from essayons.accounts.roles import Role
from essayons.brand.services import charte_save
from essayons.diagnostic.channels import Channel
from essayons.planner.kinds import ContentKind
from essayons.planner.models import EventAction, Post, PostEvent, PostStatus
from essayons.planner.queries import plan_settings
from essayons.planner.services import plan_save, week_prepare
from essayons.planner.when import week_start

DEMO_HELPER_EMAIL = "aide@ti-pain.example"

CHARTE = {
    "what_we_sell": "Pain, viennoiseries et pâtisseries péi faits sur place : pain au beurre, "
    "pain coco, tourments d'amour, gâteaux patate et gâteaux d'anniversaire sur commande.",
    "customers": "Les familles du quartier Terres-Sainville, les bureaux du centre-ville à midi, "
    "les habitués du samedi matin ; 70 % vivent ou travaillent tout près.",
    "promise": "Du pain cuit sur place trois fois par jour, avec des recettes d'ici.",
    "proof": "Fournées à 6 h, 11 h et 16 h 30 ; la recette du pain au beurre de grand-mère Léonie "
    "depuis 1987 ; 4,7 étoiles sur Google.",
    "address_form": "vous",
    "emojis": "few",
    "tone_words": "chaleureux, fier de nos recettes, simple",
    "words_to_use": "fait maison\npéi\nsortie du four\npassez nous voir\nFort-de-France",
    "words_to_avoid": "pas cher\nindustriel\nsurgelé\npolitique",
    "never_promise": "livraison en moins d'une heure\ndu pain chaud toute la journée",
}


def demo_create(*, business: Business, owner: User) -> None:
    owner_membership = Membership.objects.get(business=business, user=owner)
    helper = _helper(business)
    charte_save(business=business, data=CHARTE, by=owner)
    channels = plan_settings(business=business).channels or [Channel.FACEBOOK, Channel.GOOGLE]
    plan_save(business=business, hours=Decimal(2), channels=channels, rhythm={}, by=owner)
    zone = ZoneInfo(business.timezone)
    today = timezone.localdate(timezone=zone)

    def at(days: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(hour, minute), tzinfo=zone)

    _post(
        business,
        owner,
        PostStatus.PUBLISHED,
        at(-2, 11, 30),
        ContentKind.PRODUCTS,
        [Channel.FACEBOOK],
        "La fournée de 11 h vient de sortir : pain au beurre encore tiède 🥖 Passez nous voir rue Victor-Hugo !",
    )
    _post(
        business,
        owner,
        PostStatus.SCHEDULED,
        at(1, 12),
        ContentKind.BEHIND_THE_SCENES,
        [Channel.FACEBOOK, Channel.GOOGLE],
        "À 4 h du matin, Josiane pétrit déjà. La recette du pain au beurre de grand-mère Léonie, depuis 1987. Venez goûter la fournée de 6 h !",
    )
    _post(
        business,
        helper,
        PostStatus.AWAITING_APPROVAL,
        at(2, 16, 30),
        ContentKind.PRODUCTS,
        [Channel.FACEBOOK],
        "Tourments d'amour à la confiture coco, tout juste sortis du four. Réservez les vôtres pour le week-end !",
    )
    asked = _post(
        business,
        helper,
        PostStatus.CHANGES_REQUESTED,
        at(3, 10),
        ContentKind.OFFERS,
        [Channel.FACEBOOK],
        "Le meilleur gâteau patate de la Martinique, -20 % ce samedi !",
    )
    PostEvent.objects.create(
        post=asked,
        actor=owner,
        action=EventAction.CHANGES_REQUESTED,
        from_status=PostStatus.AWAITING_APPROVAL,
        to_status=PostStatus.CHANGES_REQUESTED,
        comment="Pas de « meilleur » sans preuve, et dites jusqu'à quelle heure dure l'offre.",
    )
    _post(
        business,
        owner,
        PostStatus.DRAFT,
        at(4, 18),
        ContentKind.LOCAL,
        [Channel.FACEBOOK],
        "",
        idea="Le jour du marché : ce que vous y apportez et où trouver votre stand.",
    )
    week_prepare(membership=owner_membership, monday=week_start(today) + timedelta(days=7))


def _helper(business: Business) -> User:
    existing = (
        Membership.objects.filter(business=business, role=Role.HELPER)
        .select_related("user")
        .first()
    )
    if existing is not None:
        return existing.user
    helper, created = User.objects.get_or_create(
        email=DEMO_HELPER_EMAIL, defaults={"display_name": "Kévin (aide, démo)"}
    )
    if created:
        helper.set_unusable_password()
        helper.save(update_fields=["password"])
    Membership.objects.get_or_create(user=helper, business=business, defaults={"role": Role.HELPER})
    return helper


def _post(
    business: Business,
    author: User,
    status: str,
    when: datetime,
    kind: str,
    channels: list[str],
    text: str,
    *,
    idea: str = "",
) -> Post:
    post = Post.objects.create(
        business=business,
        author=author,
        updated_by=author,
        submitted_by=author if status != PostStatus.DRAFT else None,
        status=status,
        kind=kind,
        channels=channels,
        scheduled_at=when,
        text=text,
        idea=idea,
    )
    PostEvent.objects.create(
        post=post, actor=author, action=EventAction.CREATED, to_status=PostStatus.DRAFT
    )
    if status != PostStatus.DRAFT:
        action = EventAction.SUBMITTED if _is_helper(business, author) else EventAction.SCHEDULED
        PostEvent.objects.create(
            post=post,
            actor=author,
            action=action,
            from_status=PostStatus.DRAFT,
            to_status=PostStatus.AWAITING_APPROVAL
            if action == EventAction.SUBMITTED
            else PostStatus.SCHEDULED,
        )
    return post


def _is_helper(business: Business, user: User) -> bool:
    return Membership.objects.filter(business=business, user=user, role=Role.HELPER).exists()
