"""The accounts app took ApiToken, LoginFailure and OneTimePassword over from core without touching the database:
the tables keep their names, the two migrations run no SQL, and rows written before the move are read after it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from commonweal.accounts.models import ApiToken, LoginFailure, OneTimePassword, hash_token

BEFORE = ("core", "0003_one_time_password")
MOVE = [("core", "0004_account_models_move_to_accounts"), ("accounts", "0001_initial")]
TABLES = {
    ApiToken: "core_apitoken",
    LoginFailure: "core_loginfailure",
    OneTimePassword: "core_onetimepassword",
}

pytestmark = pytest.mark.django_db


def test_the_models_keep_their_tables():
    for model, table in TABLES.items():
        assert model._meta.app_label == "accounts"
        assert model._meta.db_table == table
    assert set(TABLES.values()) <= set(connection.introspection.table_names())


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor cannot run inside the test's transaction
def test_the_move_runs_no_sql():
    executor = MigrationExecutor(connection)
    for app, name in MOVE:
        migration = executor.loader.get_migration(app, name)
        state = executor.loader.project_state((app, name), at_end=False)
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            migration.apply(state, editor, collect_sql=True)
        statements = [s for s in editor.collected_sql if not s.lstrip().startswith("--")]
        assert statements == [], f"{app}.{name} would change the database: {statements}"


def test_the_models_move_from_core_to_accounts_in_the_migration_state():
    loader = MigrationExecutor(connection).loader
    before = loader.project_state(BEFORE).apps
    after = loader.project_state(MOVE[-1]).apps
    for model, table in TABLES.items():
        name = model.__name__
        assert before.get_model("core", name)._meta.db_table == table
        assert after.get_model("accounts", name)._meta.db_table == table
        with pytest.raises(LookupError):
            after.get_model("core", name)


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_are_read_after_it():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])  # unapplies the move (state only), as on a database made before it
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("auth", "User").objects.create(username="keeper")
    old.get_model("core", "ApiToken").objects.create(
        user=user, name="kept", token_hash=hash_token("cw_kept"), prefix="cw_kept"
    )
    old.get_model("core", "OneTimePassword").objects.create(user_id=user.pk)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    token = ApiToken.objects.get(token_hash=hash_token("cw_kept"))
    assert (token.user.username, token.name) == ("keeper", "kept")
    assert OneTimePassword.objects.filter(user_id=user.pk).exists()
