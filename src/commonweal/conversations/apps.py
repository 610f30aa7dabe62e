from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "commonweal.conversations"
    label = "conversations"
    verbose_name = "Conversations"
