"""Catalogue routes."""
from django.urls import path

from . import views

urlpatterns = [
    path("search", views.search, name="catalog-search"),
    path("book/<slug:slug>", views.detail, name="catalog-detail"),
]
