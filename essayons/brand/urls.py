from django.urls import path

from essayons.brand import views

app_name = "brand"
urlpatterns = [
    path("e/<uuid:business_id>/ma-marque/", views.charte, name="charte"),
    path("e/<uuid:business_id>/ma-marque/modifier/", views.edit, name="edit"),
]
