from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "commonweal.network"
    label = "network"
    verbose_name = "System map"
