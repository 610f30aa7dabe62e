from django.apps import AppConfig

from commonweal.core import converters


class CoreConfig(AppConfig):
    name = "commonweal.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Before any URL pattern is read: the apps' patterns use <id:...>.
        converters.register()
