"""Sign-in for the web pages with the API's own users, passwords and roles.

The login form posts the user's name and password to the API's token endpoint; the tokens and the
user's permissions live in Flask's signed session cookie. Every page and callback then calls the API
with that token (``dashboards.api``), so what a user sees and may change is decided by the API alone;
the permissions here only decide which links and buttons to show.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from urllib.parse import urlsplit

import flask

from core_app.config import get_settings
from dashboards import gateway

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
SESSION_HOURS = 12
# Dash's own files and the sign-in page itself are open; everything else needs a session.
OPEN_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_dash-dependencies", "/_favicon", "/_reload-hash")
OPEN_PATHS = {LOGIN_PATH, LOGOUT_PATH, "/favicon.ico", "/healthz"}


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as the pages know them."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    permissions: frozenset[str]

    def can(self, *permissions: str) -> bool:
        """Whether the user holds every one of PERMISSIONS."""
        return all(p in self.permissions for p in permissions)

    @property
    def read_only(self) -> bool:
        """Leaders look; they change nothing (no write permission of any kind)."""
        return not any(p.split(":")[1] in WRITE_VERBS for p in self.permissions)


WRITE_VERBS = {"write", "review", "dispatch", "handle", "supervise", "arbitrate", "manage", "ingest"}


def secret_key() -> bytes:
    """The session cookie's signing key, derived from the API's JWT secret so one setting rules both."""
    return hashlib.sha256(b"cloud-butler-web-session:" + get_settings().jwt_secret.encode()).digest()


def current_viewer() -> Viewer | None:
    """The signed-in user of this request, or None."""
    user = flask.session.get("user")
    if not user or not flask.session.get("access_token"):
        return None
    return Viewer(
        username=user["username"],
        display_name=user.get("display_name") or user["username"],
        roles=tuple(user.get("roles", ())),
        permissions=frozenset(user.get("permissions", ())),
    )


def sign_in(username: str, password: str) -> None:
    """Ask the API for tokens and the user's permissions; keep them in the session. Raises ApiError."""
    tokens = gateway.request("POST", "/auth/token", data={"username": username, "password": password}).json()
    me = gateway.request("GET", "/auth/me", token=tokens["access_token"]).json()
    flask.session.clear()
    flask.session.permanent = True
    flask.session["access_token"] = tokens["access_token"]
    flask.session["refresh_token"] = tokens["refresh_token"]
    flask.session["user"] = {
        "username": me["username"],
        "display_name": me.get("display_name") or me["username"],
        "roles": sorted({grant["role"] for grant in me["roles"]}),
        "permissions": sorted(me["permissions"]),
    }


def refresh_tokens() -> bool:
    """Swap the refresh token for new tokens after the access token expired; False if that failed."""
    refresh = flask.session.get("refresh_token")
    if not refresh:
        return False
    try:
        tokens = gateway.request("POST", "/auth/refresh", json={"refresh_token": refresh}).json()
    except gateway.ApiError:
        flask.session.clear()
        return False
    flask.session["access_token"] = tokens["access_token"]
    flask.session["refresh_token"] = tokens["refresh_token"]
    return True


def sign_out() -> None:
    refresh = flask.session.get("refresh_token")
    token = flask.session.get("access_token")
    if refresh and token:
        try:
            gateway.request("POST", "/auth/logout", token=token, json={"refresh_token": refresh})
        except gateway.ApiError:
            pass  # an expired session is signed out all the same
    flask.session.clear()


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never another host) may be the page after sign-in."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_page(message: str = "", username: str = "", next_path: str = "/") -> str:
    alert = f'<div class="alert alert-danger" role="alert">{escape(message)}</div>' if message else ""
    return f"""<!doctype html>
<html lang="zh-CN" data-bs-theme="dark"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · 云管家</title>
<link rel="stylesheet" href="/assets/00-bootswatch-darkly.min.css">
<link rel="stylesheet" href="/assets/10-app.css"></head>
<body class="login-body"><main class="login-card card p-4">
<h1 class="h4 mb-3">云管家 · 登录</h1>{alert}
<form method="post" action="{LOGIN_PATH}">
<input type="hidden" name="next" value="{escape(next_path)}">
<label class="form-label" for="username">用户名</label>
<input class="form-control mb-3" id="username" name="username" autocomplete="username"
 value="{escape(username)}" required autofocus>
<label class="form-label" for="password">密码</label>
<input class="form-control mb-4" id="password" name="password" type="password"
 autocomplete="current-password" required>
<button class="btn btn-primary w-100" id="login-submit" type="submit">登录</button>
</form></main></body></html>"""


def _login_message(error: gateway.ApiError) -> str:
    if error.status == 401:
        return "用户名或密码错误"
    if error.status == 429:
        return "登录失败次数过多，账号已暂时锁定，请稍后再试"
    if error.status == 422:
        return "请填写用户名和密码"
    return f"登录失败：{error}"


def login_view():
    next_path = _safe_next(flask.request.values.get("next"))
    if flask.request.method == "GET":
        return _login_page(next_path=next_path)
    username = flask.request.form.get("username", "").strip()
    password = flask.request.form.get("password", "")
    try:
        sign_in(username, password)
    except gateway.ApiError as error:
        return _login_page(_login_message(error), username, next_path), error.status
    return flask.redirect(next_path)


def logout_view():
    sign_out()
    return flask.redirect(LOGIN_PATH)


def require_sign_in():
    """Before every request: pages redirect to the sign-in form, callbacks answer 401."""
    path = flask.request.path
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES) or current_viewer() is not None:
        return None
    if path.startswith("/_dash-"):
        return flask.jsonify({"title": "Not signed in", "status": 401}), 401
    next_path = flask.request.full_path.rstrip("?")
    return flask.redirect(f"{LOGIN_PATH}?next={flask.request.script_root}{next_path}")


def install(server: flask.Flask) -> None:
    """Sign-in routes, the guard and the session cookie's settings on the Dash app's Flask server."""
    server.secret_key = secret_key()
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="butler_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    server.add_url_rule(LOGIN_PATH, "login", login_view, methods=["GET", "POST"])
    server.add_url_rule(LOGOUT_PATH, "logout", logout_view, methods=["GET", "POST"])
    server.add_url_rule("/healthz", "healthz", lambda: {"status": "ok"})
    server.before_request(require_sign_in)
