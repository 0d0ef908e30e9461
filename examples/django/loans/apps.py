"""App configuration of the example's loans app."""
from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "loans"
