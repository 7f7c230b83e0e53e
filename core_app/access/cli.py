"""``butler user``, ``butler role``, ``butler apikey``: accounts, roles and the keys of pushing systems."""

import secrets
from datetime import UTC, datetime
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from core_app.access.apikeys import create_api_key
from core_app.access.catalog import PERMISSIONS
from core_app.access.demo_users import DemoSetupError, ensure_demo_users
from core_app.access.models import ApiKey, AuthSource, Role, ScopeKind, User
from core_app.access.service import UserInputError, create_user
from core_app.audit.service import record
from core_app.db.session import session_scope
from core_app.events.models import EventSource

user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
role_app = typer.Typer(help="Roles and their permissions.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys of systems that push data in.", no_args_is_help=True)

# Systems that push data, and what their key may do unless --scope says otherwise.
INGEST_SCOPES: dict[str, tuple[str, ...]] = {
    **{source.value: ("events:ingest",) for source in EventSource},
    "city_platform": ("events:ingest",),
    "queue_machine": ("tickets:ingest",),
    "appraisal_system": ("appraisal:read",),
}


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", err=True, fg="red")
    raise typer.Exit(code=2)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="Role code, e.g. dispatcher (see `butler role list`).")],
    scope: Annotated[ScopeKind, typer.Option(help="Which records the role reaches.")] = ScopeKind.ALL,
    scope_id: Annotated[int | None, typer.Option(help="Id of the department, region or hall.")] = None,
    password: Annotated[
        str | None, typer.Option(help="At least 10 characters; generated and printed once if left out.")
    ] = None,
    display_name: Annotated[str, typer.Option(help="Shown name.")] = "",
    auth_source: Annotated[
        AuthSource, typer.Option(help="Where the user signs in; not local: an identity-provider user.")
    ] = AuthSource.LOCAL,
    subject: Annotated[
        str | None, typer.Option(help="The identity provider's subject for this user.")
    ] = None,
) -> None:
    """Create a user with one role over a data scope."""
    if auth_source != AuthSource.LOCAL and not subject:
        _fail(f"--auth-source {auth_source.value} needs --subject (the identity provider's user id)")
    generated = password is None and auth_source == AuthSource.LOCAL
    if generated:
        password = secrets.token_urlsafe(12)
    try:
        with session_scope() as session:
            user = create_user(
                session,
                username=username,
                role=role,
                scope=scope,
                scope_id=scope_id,
                password=password,
                display_name=display_name,
                auth_source=auth_source,
                external_subject=subject,
            )
            user_id = user.id
    except UserInputError as exc:
        _fail(str(exc))
    where = scope.value + (f" #{scope_id}" if scope_id is not None else "")
    typer.echo(f"created user {username} (#{user_id}) as {role} over {where}")
    if generated:
        typer.echo(f"password (shown once, store it now): {password}")


@user_app.command("list")
def user_list() -> None:
    """List the users with their role grants."""
    table = Table(title="users")
    for column in ("id", "username", "name", "source", "roles", "active", "locked until", "last login"):
        table.add_column(column)
    with session_scope() as session:
        for user in session.scalars(select(User).order_by(User.username)):
            grants = ", ".join(
                f"{g.role.code}@{g.scope.value}" + (f":{g.scope_id}" if g.scope_id is not None else "")
                for g in user.roles
            )
            table.add_row(
                str(user.id),
                user.username,
                user.display_name,
                user.auth_source.value,
                grants,
                "yes" if user.is_active else "no",
                _when(user.locked_until),
                _when(user.last_login_at),
            )
    Console().print(table)


@user_app.command("demo")
def user_demo() -> None:
    """Create one demo user per role on the seeded district and print their logins (DEMO ONLY)."""
    try:
        with session_scope() as session:
            rows = ensure_demo_users(session)
    except DemoSetupError as exc:
        _fail(str(exc))
    table = Table(title="demo users (demo passwords: never use them outside a demo)")
    # Logins must be copyable whole: they never wrap; the scope text folds instead.
    for column in ("username", "password"):
        table.add_column(column, no_wrap=True)
    table.add_column("role", no_wrap=True)
    table.add_column("scope", overflow="fold")
    for row in rows:
        table.add_row(row.username, row.password or "(exists, unchanged)", row.role, row.scope)
    Console().print(table)


@role_app.command("list")
def role_list() -> None:
    """List the roles with their permissions."""
    table = Table(title="roles", show_lines=True)
    for column in ("code", "name", "permissions"):
        table.add_column(column)
    with session_scope() as session:
        for role in session.scalars(select(Role).order_by(Role.code)):
            table.add_row(role.code, role.name, " ".join(sorted(p.code for p in role.permissions)))
    Console().print(table)


@apikey_app.command("create")
def apikey_create(
    source: Annotated[str, typer.Option(help="The pushing system: " + ", ".join(INGEST_SCOPES) + ".")],
    name: Annotated[str | None, typer.Option(help="A label; defaults to the source.")] = None,
    scope: Annotated[
        list[str] | None, typer.Option(help="A permission the key grants (repeatable); default per source.")
    ] = None,
) -> None:
    """Create an API key; the key is printed once, only its hash is stored."""
    if source not in INGEST_SCOPES:
        _fail(f"unknown source {source!r}; known sources: {', '.join(INGEST_SCOPES)}")
    scopes = list(scope) if scope else list(INGEST_SCOPES[source])
    unknown = [s for s in scopes if s not in PERMISSIONS]
    if unknown:
        _fail(f"unknown permission(s) {', '.join(unknown)}; see `butler role list`")
    label = (name or source)[:64]
    with session_scope() as session:
        new = create_api_key(session, name=label, source=source, scopes=scopes)
        prefix = new.record.prefix
        record(
            session,
            principal=None,
            action="create",
            entity=ApiKey.__tablename__,
            entity_id=new.record.id,
            after={"prefix": prefix, "name": label, "source": source, "scopes": new.record.scopes},
        )
    typer.echo(f"created API key {prefix} for {source} with scopes {' '.join(sorted(set(scopes)))}")
    typer.echo(f"key (shown once, store it now; send it as the X-API-Key header): {new.key}")


@apikey_app.command("list")
def apikey_list() -> None:
    """List the API keys (never the keys themselves)."""
    table = Table(title="API keys")
    for column in ("prefix", "name", "source", "scopes", "created", "last used", "revoked"):
        table.add_column(column)
    with session_scope() as session:
        for key in session.scalars(select(ApiKey).order_by(ApiKey.created_at)):
            table.add_row(
                key.prefix,
                key.name,
                key.source,
                key.scopes,
                _when(key.created_at),
                _when(key.last_used_at),
                _when(key.revoked_at),
            )
    Console().print(table)


@apikey_app.command("revoke")
def apikey_revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix (see `butler apikey list`).")],
) -> None:
    """Revoke an API key: requests with it are refused from now on."""
    with session_scope() as session:
        key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if key is None:
            _fail(f"no API key with prefix {prefix!r}")
        if key.revoked_at is not None:
            typer.echo(f"API key {prefix} was already revoked at {_when(key.revoked_at)}")
            return
        key.revoked_at = datetime.now(UTC)
        record(
            session,
            principal=None,
            action="revoke",
            entity=ApiKey.__tablename__,
            entity_id=key.id,
            after={"prefix": prefix},
        )
    typer.echo(f"revoked API key {prefix} ({key.name}, {key.source})")
