"""Sign-in of the web pages: the API's users and passwords, the session, the guard and refresh."""

import flask
import pytest

from core_app.access import service
from dashboards import api, auth, gateway
from dashboards.gateway import ApiError

PASSWORD = "Correct-Horse-2026"


@pytest.fixture
def web(session):
    """A bare Flask server with the sign-in installed and one page that calls the API as the user."""
    service.create_user(session, username="ld", role="leader", password=PASSWORD, display_name="李局")
    service.create_user(session, username="dp", role="dispatcher", password=PASSWORD)
    session.commit()
    server = flask.Flask(__name__)
    auth.install(server)
    server.add_url_rule("/page", "page", lambda: {"me": api.get("/auth/me")["username"]})
    return server.test_client()


def sign_in(client, username: str, password: str = PASSWORD, next_path: str = "/page"):
    return client.post("/login", data={"username": username, "password": password, "next": next_path})


def test_a_page_without_a_session_redirects_to_sign_in_and_a_callback_gets_401(web):
    page = web.get("/page?x=1")
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?next=/page?x=1"
    assert web.post("/_dash-update-component", json={}).status_code == 401


def test_signing_in_keeps_the_users_permissions_and_calls_the_api_as_them(web):
    response = sign_in(web, "ld")
    assert response.status_code == 302 and response.headers["Location"] == "/page"
    assert web.get("/page").json == {"me": "ld"}
    with web.session_transaction() as stored:
        user = stored["user"]
    assert user["display_name"] == "李局"
    assert "cockpit:view" in user["permissions"] and "events:dispatch" not in user["permissions"]


def test_a_wrong_password_answers_401_with_a_message_and_no_session(web):
    response = sign_in(web, "ld", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert web.get("/page").status_code == 302


def test_the_page_after_sign_in_is_never_another_site(web):
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = sign_in(web, "ld", next_path=target)
        assert response.headers["Location"] == "/"


def test_an_expired_access_token_is_refreshed_once_and_the_call_goes_through(web):
    sign_in(web, "ld")
    with web.session_transaction() as stored:
        stored["access_token"] = "expired.or.tampered"
    assert web.get("/page").json == {"me": "ld"}
    with web.session_transaction() as stored:
        assert stored["access_token"] != "expired.or.tampered"


def test_signing_out_revokes_the_refresh_token_and_ends_the_session(web):
    sign_in(web, "dp")
    with web.session_transaction() as stored:
        refresh = stored["refresh_token"]
    assert web.get("/logout").status_code == 302
    assert web.get("/page").status_code == 302
    with pytest.raises(ApiError) as refused:
        gateway.request("POST", "/auth/refresh", json={"refresh_token": refresh})
    assert refused.value.status == 401


@pytest.mark.parametrize(
    ("permissions", "read_only"),
    [
        ({"cockpit:view", "analytics:read", "events:read", "portraits:read"}, True),
        ({"events:read", "events:dispatch"}, False),
        ({"org:read", "org:write"}, False),
    ],
)
def test_only_a_viewer_without_any_write_permission_is_read_only(permissions, read_only):
    viewer = auth.Viewer(username="u", display_name="u", roles=(), permissions=frozenset(permissions))
    assert viewer.read_only is read_only


def test_an_api_problem_names_its_fields():
    error = ApiError(422, "Unprocessable", "bad input", [{"field": "title", "reason": "must not be empty"}])
    assert str(error) == "bad input — title: must not be empty"
