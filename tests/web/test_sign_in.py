"""Signing in to the admin: argon2-checked passwords, a session cookie, CSRF on every form,
signing out, and roles that decide who may act."""

from __future__ import annotations

from sqlalchemy import select

from orderbridge.store.admin_tables import users, web_sessions
from tests.web.conftest import PASSWORD, Admin, csrf_of


async def test_a_page_without_a_session_asks_to_sign_in_and_comes_back(admin: Admin) -> None:
    async with admin.client() as browser:
        answer = await browser.get("/orders?connection=x")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/sign-in?next=/orders?connection=x"
        form = await browser.get(answer.headers["location"])
        assert 'name="password"' in form.text and 'type="password"' in form.text


async def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(admin: Admin) -> None:
    async with admin.client() as browser:
        wrong = await browser.post("/sign-in", data={"username": "ada", "password": "nope"})
        unknown = await browser.post("/sign-in", data={"username": "nobody", "password": "x"})
    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert "The username or the password is wrong." in answer.text
        assert "set-cookie" not in answer.headers


async def test_signing_in_sets_an_http_only_cookie_and_stores_only_hashes(admin: Admin) -> None:
    async with admin.client() as browser:
        answer = await browser.post(
            "/sign-in", data={"username": "ada", "password": PASSWORD, "next": "/errors"}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/errors"
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        token = browser.cookies["orderbridge_session"]
    async with admin.ctx.db.read() as conn:
        stored_hash = (await conn.execute(select(users.c.password_hash))).scalars().first()
        session_hashes = (await conn.execute(select(web_sessions.c.token_hash))).scalars().all()
    assert stored_hash is not None and stored_hash.startswith("$argon2")
    assert token not in session_hashes and len(session_hashes) == 1


async def test_next_never_leads_off_the_site(admin: Admin) -> None:
    async with admin.client() as browser:
        answer = await browser.post(
            "/sign-in",
            data={"username": "ada", "password": PASSWORD, "next": "//evil.example/x"},
        )
    assert answer.headers["location"] == "/orders"


async def test_a_form_without_the_sessions_csrf_token_is_refused(admin: Admin) -> None:
    async with admin.client("ada") as browser:
        forged = await browser.post("/sign-out", data={"csrf_token": "forged"})
        assert forged.status_code == 403
        assert "did not come from this site" in forged.text
        assert (await browser.get("/sign-in")).status_code == 200
        page = await browser.get("/orders", follow_redirects=True)
        assert page.status_code == 200  # still signed in


async def test_signing_out_ends_the_session(admin: Admin) -> None:
    async with admin.client("otto") as browser:
        page = await browser.get("/orders")
        answer = await browser.post("/sign-out", data={"csrf_token": csrf_of(page.text)})
        assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
        browser.cookies.clear()
    async with admin.ctx.db.read() as conn:
        assert (await conn.execute(select(web_sessions))).first() is None
