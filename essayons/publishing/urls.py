from django.urls import path

from essayons.publishing import views

app_name = "publishing"
P = "e/<uuid:business_id>/"
urlpatterns = [
    path(P + "publications/<int:post_id>/diffusion/", views.post_deliveries, name="post"),
    path(P + "diffusion/etat/", views.health, name="health"),
    path(P + "diffusion/<int:delivery_id>/renvoyer/", views.retry, name="retry"),
    path(P + "diffusion/<int:delivery_id>/annuler/", views.cancel, name="cancel"),
]
