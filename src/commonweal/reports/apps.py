from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "commonweal.reports"
    label = "reports"
    verbose_name = "Reports and exports"
