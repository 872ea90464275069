from django.urls import path

from essayons.connectors.bluesky import views

urlpatterns = [
    path(
        "e/<uuid:business_id>/connexions/bluesky/connecter/", views.connect, name="bluesky_connect"
    ),
]
