"""The accounts app takes over ApiToken, LoginFailure and OneTimePassword from core (core.0004).

State only: the tables were made by core's migrations 0001 to 0003 and keep their names (``db_table``), so this
migration creates nothing in the database, on a new one or an existing one.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0004_account_models_move_to_accounts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ApiToken',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100)),
                        ('token_hash', models.CharField(max_length=64, unique=True)),
                        ('prefix', models.CharField(max_length=8)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('last_used_at', models.DateTimeField(blank=True, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'core_apitoken',
                    },
                ),
                migrations.CreateModel(
                    name='LoginFailure',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('username', models.CharField(db_index=True, help_text='As typed, case-folded.', max_length=150)),
                        ('ip', models.GenericIPAddressField(blank=True, db_index=True, null=True)),
                        ('at', models.DateTimeField(db_index=True)),
                    ],
                    options={
                        'db_table': 'core_loginfailure',
                        'ordering': ['at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='OneTimePassword',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('issued_at', models.DateTimeField(auto_now=True)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='one_time_password', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'core_onetimepassword',
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
