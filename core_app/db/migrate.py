"""Alembic, driven from code: the migrations ship inside the package."""

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from core_app.config import get_settings


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "core_app.db:migrations")
    config.set_main_option("sqlalchemy.url", url or get_settings().resolved_database_url)
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def heads() -> list[str]:
    return list(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def revision(message: str, url: str | None = None) -> None:
    """Autogenerate a new migration against the database at ``url``."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
