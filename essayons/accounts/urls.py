from django.contrib.auth import views as auth_views
from django.urls import path

from essayons.accounts.views import auth, businesses, invitations, notifications, team

app_name = "accounts"
urlpatterns = [
    path("", businesses.home, name="home"),
    # The person: sign up, log in and out, passwords, my account.
    path("compte/inscription/", auth.signup, name="signup"),
    path("compte/connexion/", auth.LoginView.as_view(), name="login"),
    # Django's LogoutView answers POST only: a link or an image cannot log anyone out.
    path("compte/deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("compte/", auth.account, name="account"),
    path("compte/notifications/", notifications.notifications, name="notifications"),
    path(
        "compte/notifications/<int:notification_id>/",
        notifications.notification_open,
        name="notification_open",
    ),
    path("compte/notifications/lues/", notifications.notifications_read, name="notifications_read"),
    path("compte/mot-de-passe/", auth.PasswordChangeView.as_view(), name="password_change"),
    path(
        "compte/mot-de-passe-oublie/",
        auth.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "compte/mot-de-passe-oublie/envoye/",
        auth.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "compte/nouveau-mot-de-passe/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "compte/nouveau-mot-de-passe/termine/",
        auth.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Businesses: the list to switch between, creation, and each business's own pages.
    path("entreprises/", businesses.businesses, name="businesses"),
    path("entreprises/nouvelle/", businesses.create, name="business_create"),
    path("e/<uuid:business_id>/", businesses.dashboard, name="dashboard"),
    path("e/<uuid:business_id>/modifier/", businesses.edit, name="business_edit"),
    path("e/<uuid:business_id>/caisse/", businesses.till_home, name="till_home"),
    # The team and its invitations.
    path("e/<uuid:business_id>/equipe/", team.members, name="members"),
    path("e/<uuid:business_id>/equipe/inviter/", team.invite, name="invite"),
    path(
        "e/<uuid:business_id>/equipe/invitations/<int:invitation_id>/retirer/",
        team.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path(
        "e/<uuid:business_id>/equipe/<int:member_id>/role/",
        team.member_role,
        name="member_role",
    ),
    path(
        "e/<uuid:business_id>/equipe/<int:member_id>/retirer/",
        team.member_remove,
        name="member_remove",
    ),
    path("invitation/<str:token>/", invitations.invitation_open, name="invitation"),
]
