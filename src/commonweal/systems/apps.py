from django.apps import AppConfig


class SystemsConfig(AppConfig):
    name = "commonweal.systems"
    label = "systems"
    verbose_name = "Systems"
