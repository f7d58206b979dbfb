"""login/token.php: lockout, token creation rights from roles, and what it audits."""

from __future__ import annotations

import aiohttp

from tests.e2e.stack import ADMIN_PASSWORD, Stack, login
from tests.security.conftest import PASSWORD, SITE_INFO, call, errorcode, new_user


async def test_lockout_after_ten_failures_and_unlock(
    http: aiohttp.ClientSession, sec: Stack
) -> None:
    user = new_user(sec)
    for _ in range(9):
        assert errorcode(await login(http, sec, user, "wrong")) == "invalidlogin"
    assert "token" in await login(http, sec, user, PASSWORD)  # success resets the count
    for _ in range(10):
        assert errorcode(await login(http, sec, user, "wrong")) == "invalidlogin"
    locked = await login(http, sec, user, PASSWORD)
    assert locked["errorcode"] == "invalidlogin"  # a lockout is not told apart
    assert locked["error"] == "Invalid login, please try again"
    out = sec.wsadmin("user", "unlock", user).stdout
    assert "unlocked" in out
    assert "token" in await login(http, sec, user, PASSWORD)
    audit = sec.wsadmin("audit", "--event", "user_login_failed", "--limit", "200").stdout
    assert "reason=4" in audit  # locked out
    assert "reason=3" in audit  # wrong password
    lockouts = sec.wsadmin("audit", "--event", "user_lockout").stdout
    assert lockouts.count("user_lockout") >= 1


async def test_token_creation_follows_capabilities(http: aiohttp.ClientSession, sec: Stack) -> None:
    user = new_user(sec)
    shortname = f"own_{user}"
    sec.wsadmin("service", "create", shortname, "--functions", SITE_INFO)
    sec.wsadmin("role", "revoke", "user", "moodle/webservice:createtoken")
    try:
        body = await login(http, sec, user, PASSWORD, shortname)
        assert body["errorcode"] == "cannotcreatetoken"
        assert body["error"] == (
            f"No permission to create web service token for the service {shortname}."
        )
        assert "token" in await login(http, sec, user, PASSWORD)  # createmobiletoken
        sec.wsadmin("role", "create", f"creator_{user}", "--capabilities",
                    "moodle/webservice:createtoken")  # fmt: skip
        sec.wsadmin("role", "assign", f"creator_{user}", user)
        token = (await login(http, sec, user, PASSWORD, shortname))["token"]
        assert "sitename" in await call(http, sec, token)
    finally:
        sec.wsadmin("role", "grant", "user", "moodle/webservice:createtoken")
    # Site administrators never get new tokens for services other than the mobile one.
    body = await login(http, sec, "admin", ADMIN_PASSWORD, shortname)
    assert body["errorcode"] == "cannotcreatetoken"
    assert "token" in await login(http, sec, "admin", ADMIN_PASSWORD)


async def test_maintenance_at_login(http: aiohttp.ClientSession, sec: Stack) -> None:
    user = new_user(sec)
    sec.wsadmin("maintenance", "on")
    try:
        assert errorcode(await login(http, sec, user, PASSWORD)) == "sitemaintenance"
        assert errorcode(await login(http, sec, user, "wrong")) == "invalidlogin"
        assert "token" in await login(http, sec, "admin", ADMIN_PASSWORD)
    finally:
        sec.wsadmin("maintenance", "off")
    assert "token" in await login(http, sec, user, PASSWORD)


async def test_suspended_user_cannot_log_in(http: aiohttp.ClientSession, sec: Stack) -> None:
    user = new_user(sec)
    sec.wsadmin("user", "suspend", user)
    assert errorcode(await login(http, sec, user, PASSWORD)) == "invalidlogin"
    sec.wsadmin("user", "unsuspend", user)
    assert "token" in await login(http, sec, user, PASSWORD)
    audit = sec.wsadmin("audit", "--event", "user_login_failed", "--limit", "500").stdout
    assert any(f"username={user}" in line and "reason=2" in line for line in audit.splitlines())


async def test_token_created_and_sent_are_audited(http: aiohttp.ClientSession, sec: Stack) -> None:
    user = new_user(sec)
    first = await login(http, sec, user, PASSWORD)
    again = await login(http, sec, user, PASSWORD)
    assert first["token"] == again["token"]  # reused, not minted twice
    created = sec.wsadmin("audit", "--event", "webservice_token_created", "--limit", "500")
    sent = sec.wsadmin("audit", "--event", "webservice_token_sent", "--limit", "500")
    userid = next(
        line.split()[0]
        for line in sec.wsadmin("user", "list").stdout.splitlines()
        if f" {user} " in f" {line} "
    )
    mine = [ln for ln in created.stdout.splitlines() if f"user={userid} " in ln + " "]
    assert len(mine) == 1 and "auto=True" in mine[0]
    assert len([ln for ln in sent.stdout.splitlines() if f"user={userid} " in ln + " "]) == 2
    # Token listings and the audit never show a token value.
    assert first["token"] not in sec.wsadmin("token", "list").stdout
    assert first["token"] not in sec.wsadmin("audit", "--limit", "1000").stdout


async def test_credentials_and_tokens_never_reach_the_logs(
    http: aiohttp.ClientSession, sec: Stack
) -> None:
    user = new_user(sec)
    params = {"username": user, "password": PASSWORD, "service": "moodle_mobile_app"}
    async with http.get(f"{sec.url}/login/token.php", params=params) as resp:
        token = (await resp.json())["token"]
    assert "sitename" in await call(http, sec, token, method="GET")
    assert errorcode(await call(http, sec, token[::-1], method="GET")) == "invalidtoken"
    logs = "".join(p.read_text(errors="replace") for p in sec.logdir.glob("*.log"))
    assert "GET /login/token.php" in logs  # the access log is there ...
    for secret in (PASSWORD.rstrip("!"), token, token[::-1]):  # "!" is sent as %21
        assert secret not in logs  # ... without query strings
