"""URL routes of the example library: the catalogue and loans JSON endpoints."""
from django.urls import include, path

urlpatterns = [
    path("catalog/", include("catalog.urls")),
    path("loans/", include("loans.urls")),
]
