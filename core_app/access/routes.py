"""``/auth``: password login (OAuth2 password flow), refresh, logout, who-am-I, unified identity sign-in."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from core_app.access import service
from core_app.access.deps import CurrentPrincipal
from core_app.access.identity import (
    ExternalIdentity,
    IdentityError,
    IdentityProvider,
    IdentityProviderUnavailable,
    configured_providers,
)
from core_app.access.models import User
from core_app.api.deps import SessionDep
from core_app.api.problems import PROBLEM_CONTENT, NotFoundError, Problem, ProblemError, UnauthorizedError
from core_app.config import get_settings

router = APIRouter(prefix="/auth", tags=["auth"])


def auto_provision_enabled() -> bool:
    """Whether unknown identities get a user without roles (setting ``oidc_auto_provision``, default off)."""
    return bool(getattr(get_settings(), "oidc_auto_provision", False))


ProvidersDep = Annotated[dict[str, IdentityProvider], Depends(configured_providers)]
AutoProvisionDep = Annotated[bool, Depends(auto_provision_enabled)]


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": PROBLEM_CONTENT}


LOGIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem("Invalid username or password"),
    422: _problem("Missing or malformed form fields"),
    429: _problem("Account locked or address throttled after repeated failures; see Retry-After"),
}
TOKEN_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem("Token expired, tampered with, revoked or already used"),
    422: _problem("Malformed request body"),
}


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=4096)


class LogoutRequest(BaseModel):
    refresh_token: str | None = Field(default=None, min_length=1, max_length=4096)


class SsoRequest(BaseModel):
    id_token: str = Field(min_length=1, max_length=16384)


class RoleGrantOut(BaseModel):
    role: str
    scope: str
    scope_id: int | None
    permissions: list[str]


class MeResponse(BaseModel):
    username: str
    display_name: str = ""
    user_id: int | None = None
    api_key_source: str | None = None
    roles: list[RoleGrantOut]
    permissions: list[str]


@contextmanager
def _commit_refusals(session: Session) -> Iterator[None]:
    """Keep what a refusal wrote (attempts, failure counts, revocations) before answering with it."""
    try:
        yield
    except service.AuthRefused:
        session.commit()
        raise


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _token_response(pair: service.TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        token_type=pair.token_type,
        expires_in=pair.expires_in,
    )


@router.post("/token", response_model=TokenResponse, responses=LOGIN_RESPONSES)
def login(
    request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> TokenResponse:
    """Log in with username and password; get an access and a refresh token."""
    with _commit_refusals(session):
        user = service.authenticate(
            session, username=form.username, password=form.password, ip=_client_ip(request), request=request
        )
    pair = service.issue_token_pair(session, user)
    session.commit()
    return _token_response(pair)


@router.post("/refresh", response_model=TokenResponse, responses=TOKEN_RESPONSES)
def refresh(session: SessionDep, body: RefreshRequest) -> TokenResponse:
    """Swap a refresh token for a new pair; the old refresh token stops working."""
    with _commit_refusals(session):
        pair = service.refresh(session, body.refresh_token)
    session.commit()
    return _token_response(pair)


@router.post(
    "/logout",
    status_code=204,
    response_class=Response,
    responses={**TOKEN_RESPONSES, 400: _problem("Not a bearer-token session (API key)")},
)
def logout(
    request: Request, session: SessionDep, principal: CurrentPrincipal, body: LogoutRequest | None = None
) -> Response:
    """Revoke the access token used for this request and, if sent, the refresh token."""
    if principal.token_id is None:
        raise ProblemError(400, "only a bearer-token session can log out; API keys are revoked by an admin")
    service.logout(session, principal, body.refresh_token if body else None, request=request)
    session.commit()
    return Response(status_code=204)


@router.get("/me", response_model=MeResponse, responses={401: _problem("Not authenticated")})
def me(session: SessionDep, principal: CurrentPrincipal) -> MeResponse:
    """Who is calling: username, role grants with their data scopes, and all permissions."""
    user = session.get(User, principal.user_id) if principal.user_id else None
    roles = [
        RoleGrantOut(role=g.role, scope=g.scope.value, scope_id=g.scope_id, permissions=sorted(g.permissions))
        for g in principal.grants
    ]
    return MeResponse(
        username=principal.username,
        display_name=user.display_name if user else "",
        user_id=principal.user_id,
        api_key_source=principal.source,
        roles=roles,
        permissions=sorted(principal.permissions),
    )


@router.post(
    "/sso/{provider}",
    response_model=TokenResponse,
    responses={
        **TOKEN_RESPONSES,
        403: _problem("Identity not provisioned, or account disabled"),
        404: _problem("No such identity provider configured"),
        503: _problem("Identity provider unreachable"),
    },
)
def sso_login(
    request: Request,
    session: SessionDep,
    providers: ProvidersDep,
    auto_provision: AutoProvisionDep,
    provider: str,
    body: SsoRequest,
) -> TokenResponse:
    """Sign in with a unified identity provider's id_token (浙政钉 zzd, 政务微信 wecom, oidc, local)."""
    chosen = providers.get(provider)
    if chosen is None:
        raise NotFoundError(
            f"no identity provider {provider!r} is configured; known: {', '.join(sorted(providers))}"
        )
    identity = _verify(chosen, body.id_token)
    with _commit_refusals(session):
        user = service.sign_in_external(
            session,
            provider=chosen,
            identity=identity,
            ip=_client_ip(request),
            auto_provision=auto_provision,
            request=request,
        )
    pair = service.issue_token_pair(session, user)
    session.commit()
    return _token_response(pair)


def _verify(provider: IdentityProvider, credential: str) -> ExternalIdentity:
    try:
        return provider.verify(credential)
    except IdentityError as exc:
        raise UnauthorizedError(str(exc)) from None
    except IdentityProviderUnavailable as exc:
        raise ProblemError(503, str(exc), slug="identity-provider-unavailable") from None
