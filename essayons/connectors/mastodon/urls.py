from django.urls import path

from essayons.connectors.mastodon import views

urlpatterns = [
    path(
        "e/<uuid:business_id>/connexions/mastodon/connecter/",
        views.connect,
        name="mastodon_connect",
    ),
    path("connexions/mastodon/retour/", views.callback, name="mastodon_callback"),
]
