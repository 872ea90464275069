from essayons.tracking import urls_measure, urls_sales

app_name = "tracking"
urlpatterns = [*urls_measure.urlpatterns, *urls_sales.urlpatterns]
