"""The translation pages of a conversation, under /manage/conversations/<slug>/translations/ (names
``conversations:manage_translat*``, each its view's name)."""

from django.urls import include, path

from commonweal.conversations.translate import views
from commonweal.core.pages import named_path

conversation_pages = [
    named_path("", views.manage_translations),
    named_path("translations.csv", views.manage_translations_csv),
    named_path("import/", views.manage_translations_import),
    named_path("statements/<id:statement_id>/", views.manage_translate_statement),
]

manage_urlpatterns = [path("<slug:slug>/translations/", include(conversation_pages))]
