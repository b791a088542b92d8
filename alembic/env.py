"""Alembic environment: the URL comes from the caller (core.database.migrate) or settings."""

from alembic import context
from sqlmodel import SQLModel

import consult.models  # noqa: F401
import core.audit  # noqa: F401  (tables register on SQLModel.metadata)
import delivery.models  # noqa: F401
import governance.models  # noqa: F401
import proposals.models  # noqa: F401
import residents.models  # noqa: F401
import scrutiny.models  # noqa: F401
import voting.models  # noqa: F401
from core.database import create_engine_for, normalise_url
from core.settings import get_settings

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    url = config.attributes.get("database_url") or normalise_url(get_settings().database_url)
    engine = create_engine_for(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
