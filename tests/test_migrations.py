"""The schema comes only from Alembic: it goes up from nothing, down again, and matches the models."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import consult.models  # noqa: F401
import core.audit  # noqa: F401
import delivery.models  # noqa: F401
import governance.models  # noqa: F401
import proposals.models  # noqa: F401
import residents.models  # noqa: F401
import scrutiny.models  # noqa: F401
import voting.models  # noqa: F401
from core.database import alembic_config, create_engine_for


class TestMigrations:
    def test_the_models_and_the_migrations_agree(self, database_url):
        engine = create_engine_for(database_url)
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        engine.dispose()

        assert differences == []

    def test_down_to_nothing_and_up_again(self, database_url):
        config = alembic_config(database_url)

        command.downgrade(config, "base")
        command.upgrade(config, "head")
