from django.urls import URLPattern, URLResolver

app_name = "connectors"
urlpatterns: list[URLPattern | URLResolver] = []
