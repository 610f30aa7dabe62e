"""ApiToken, LoginFailure and OneTimePassword now belong to the accounts app (accounts.0001_initial).

Only Django's record of the models moves: the tables stay as they are (the models keep ``db_table``), so an
existing database is not touched and no row changes.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_one_time_password'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ApiToken'),
                migrations.DeleteModel(name='LoginFailure'),
                migrations.DeleteModel(name='OneTimePassword'),
            ],
            database_operations=[],
        ),
    ]
