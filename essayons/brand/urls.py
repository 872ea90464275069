from django.urls import URLPattern

app_name = "brand"
urlpatterns: list[URLPattern] = []
