from django.contrib.auth import views as auth_views
from django.urls import path

from essayons.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("compte/connexion/", views.LoginView.as_view(), name="login"),
    path("compte/deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("entreprises/", views.businesses, name="businesses"),
    path("e/<uuid:business_id>/", views.dashboard, name="dashboard"),
    path("e/<uuid:business_id>/equipe/", views.members, name="members"),
    path("e/<uuid:business_id>/caisse/", views.till_home, name="till_home"),
]
