"""App configuration of the example's catalog app."""
from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
