"""App configuration of the example's members app."""
from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
