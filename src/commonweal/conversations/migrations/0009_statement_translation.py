# Translations of statements and of a conversation's title and question, for the participant pages' languages.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0008_import_job_worker"),
    ]

    operations = [
        migrations.CreateModel(
            name="ConversationTranslation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        help_text="A code of settings.LANGUAGES other than the default.", max_length=10
                    ),
                ),
                ("title", models.CharField(blank=True, max_length=400)),
                ("question", models.CharField(blank=True, max_length=1000)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "conversation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="translations",
                        to="conversations.conversation",
                    ),
                ),
            ],
            options={
                "ordering": ["conversation_id", "language"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("conversation", "language"), name="conversation_translation_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="StatementTranslation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        help_text="A code of settings.LANGUAGES other than the default.", max_length=10
                    ),
                ),
                ("text", models.CharField(max_length=600)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "statement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="translations",
                        to="conversations.statement",
                    ),
                ),
            ],
            options={
                "ordering": ["statement_id", "language"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("statement", "language"), name="statement_translation_unique"
                    )
                ],
            },
        ),
    ]
