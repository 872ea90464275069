"""Measure's pages: tracked links and QR codes, promo codes, the till, and the redirect."""

from django.urls import path

from essayons.tracking import links_views, redirect_views, till_views

E = "e/<uuid:business_id>/"

urlpatterns = [
    path("r/<str:code>", redirect_views.follow, name="redirect"),
    path(E + "liens/", links_views.links_list, name="links"),
    path(E + "liens/nouveau/", links_views.link_new, name="link_new"),
    path(E + "liens/<int:pk>/modifier/", links_views.link_edit, name="link_edit"),
    path(E + "liens/<int:pk>/activer/", links_views.link_switch, name="link_switch"),
    path(E + "liens/<int:pk>/qr.svg", links_views.link_qr, {"kind": "svg"}, name="link_qr_svg"),
    path(E + "liens/<int:pk>/qr.png", links_views.link_qr, {"kind": "png"}, name="link_qr_png"),
    path(E + "codes/", till_views.codes_list, name="codes"),
    path(E + "codes/nouveau/", till_views.code_new, name="code_new"),
    path(E + "codes/par-client/", till_views.codes_generate, name="codes_generate"),
    path(E + "codes/<int:pk>/activer/", till_views.code_switch, name="code_switch"),
    path(E + "caisse/code/", till_views.till_redeem, name="till_redeem"),
    path(E + "caisse/source/", till_views.till_declare, name="till_declare"),
    path(E + "caisse/enregistrer/", till_views.till, name="till"),
]
