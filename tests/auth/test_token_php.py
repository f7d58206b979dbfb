"""login/token.php over HTTP against real Redis: success, every error code, token reuse."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from yarl import URL

from services.auth.accounts import Accounts
from shared.constants import MOBILE_SERVICE, TOKEN_DURATION
from shared.records import AuthorisedUser, UserRecord
from shared.store import Store
from shared.tokens import derive_private_token, hash_token
from tests.auth.conftest import ADMIN_PASSWORD, SECRET, Client, MakeClient

STUDENT = {"username": "student", "password": "Student-2026!", "service": MOBILE_SERVICE}
ERROR_KEYS = ["error", "errorcode", "stacktrace", "debuginfo", "reproductionlink"]
HTTPS = {"X-Forwarded-Proto": "https"}


async def call(
    client: Client,
    *,
    method: str = "GET",
    path: str = "/login/token.php",
    params: dict[str, str] | None = None,
    data: Any = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One token.php request; checks what every answer shares (200, JSON, CORS)."""
    # An absolute URL, so a path starting with "//" is not read as a network location.
    url = URL(str(client.make_url("/")).rstrip("/") + path, encoded=True)
    resp = await client.session.request(method, url, params=params, data=data, headers=headers)
    assert resp.status == 200
    assert resp.content_type == "application/json"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    body: dict[str, Any] = await resp.json()
    return body


def assert_error(body: dict[str, Any], errorcode: str, message: str | None = None) -> None:
    assert list(body) == ERROR_KEYS, body
    assert body["errorcode"] == errorcode, body
    assert body["stacktrace"] is None and body["reproductionlink"] is None
    if message is not None:
        assert body["error"] == message


async def token_for(store: Store, value: str) -> tuple[Any, int]:
    found = await store.get_token(hash_token(value))
    assert found is not None
    return found


async def make_user(accounts: Accounts, store: Store, username: str, **changes: Any) -> UserRecord:
    user = await accounts.create_user(username, "Pass-word-1")
    for name, value in changes.items():
        setattr(user, name, value)
    await store.save_user(user)
    return user


# --- success -----------------------------------------------------------------------------------
async def test_get_issues_a_new_token(client: Client, store: Store) -> None:
    before = int(time.time())
    body = await call(client, params=STUDENT)
    assert list(body) == ["token", "privatetoken"]
    assert re.fullmatch(r"[0-9a-f]{32}", body["token"])
    assert body["privatetoken"] is None  # plain HTTP
    token, lastaccess = await token_for(store, body["token"])
    student = await store.get_user_by_username("student")
    service = await store.get_service_by_shortname(MOBILE_SERVICE)
    assert student is not None and service is not None
    assert (token.userid, token.serviceid, token.creatorid) == (student.id, service.id, student.id)
    assert before + TOKEN_DURATION <= token.validuntil <= int(time.time()) + TOKEN_DURATION
    assert token.name and not token.iprestriction
    assert lastaccess >= before


async def test_post_form_and_merged_parameters(client: Client) -> None:
    body = await call(client, method="POST", data=STUDENT)
    assert "token" in body
    split = await call(
        client,
        method="POST",
        params={"username": "student", "service": MOBILE_SERVICE},
        data={"password": STUDENT["password"]},
    )
    assert split["token"] == body["token"]


async def test_post_wins_over_query(client: Client) -> None:
    good = await call(client, method="POST", params={**STUDENT, "password": "wrong"}, data=STUDENT)
    assert "token" in good
    bad = await call(client, method="POST", params=STUDENT, data={"password": "wrong"})
    assert_error(bad, "invalidlogin")


@pytest.mark.parametrize("path", ["//login/token.php", "///login/token.php"])
async def test_leading_double_slash(client: Client, path: str) -> None:
    body = await call(client, path=path, params=STUDENT)
    assert "token" in body


async def test_username_is_cleaned_like_param_username(client: Client) -> None:
    plain = await call(client, params=STUDENT)
    messy = await call(client, params={**STUDENT, "username": "  Stu dent!\t"})
    assert messy["token"] == plain["token"]


async def test_appsitecheck_needs_no_credentials(client: Client) -> None:
    assert await call(client, params={"appsitecheck": "1"}) == {"appsitecheck": "ok"}


async def test_web_services_disabled(client: Client, store: Store) -> None:
    await store.set_config("enablewebservices", "0")
    for params in ({"appsitecheck": "1"}, STUDENT):
        assert_error(await call(client, params=params), "enablewsdescription")


# --- errors in Moodle's order ------------------------------------------------------------------
@pytest.mark.parametrize("missing", ["username", "password", "service"])
async def test_missing_parameter(client: Client, missing: str) -> None:
    params = {k: v for k, v in STUDENT.items() if k != missing}
    assert_error(
        await call(client, params=params),
        "missingparam",
        f"A required parameter ({missing}) was missing",
    )


async def test_first_missing_parameter_is_reported(client: Client) -> None:
    body = await call(client, params={"service": "nope"})
    assert_error(body, "missingparam", "A required parameter (username) was missing")


async def test_wrong_password_and_unknown_user(client: Client) -> None:
    for params in (
        {**STUDENT, "password": "nope"},
        {**STUDENT, "username": "ghost"},
        {**STUDENT, "username": ""},
    ):
        assert_error(
            await call(client, params=params), "invalidlogin", "Invalid login, please try again"
        )


@pytest.mark.parametrize(
    "changes",
    [{"suspended": True}, {"deleted": True}, {"auth": "nologin"}, {"password": ""}],
    ids=["suspended", "deleted", "nologin", "no-password"],
)
async def test_accounts_that_cannot_log_in(
    client: Client, accounts: Accounts, store: Store, changes: dict[str, Any]
) -> None:
    await make_user(accounts, store, "locked", **changes)
    body = await call(client, params={**STUDENT, "username": "locked", "password": "Pass-word-1"})
    assert_error(body, "invalidlogin")


async def test_unconfirmed_user(client: Client, accounts: Accounts, store: Store) -> None:
    await make_user(accounts, store, "newbie", confirmed=False)
    body = await call(client, params={**STUDENT, "username": "newbie", "password": "Pass-word-1"})
    assert_error(body, "usernotconfirmed", "Could not confirm newbie")


async def test_unconfirmed_user_with_wrong_password_is_invalidlogin(
    client: Client, accounts: Accounts, store: Store
) -> None:
    await make_user(accounts, store, "newbie", confirmed=False)
    body = await call(client, params={**STUDENT, "username": "newbie", "password": "x"})
    assert_error(body, "invalidlogin")


async def test_maintenance_mode_lets_only_admins_in(client: Client, store: Store) -> None:
    await store.set_config("maintenance_enabled", "1")
    assert_error(await call(client, params=STUDENT), "sitemaintenance")
    admin = await call(client, params={**STUDENT, "username": "admin", "password": ADMIN_PASSWORD})
    assert "token" in admin


async def test_unknown_or_disabled_service(client: Client, accounts: Accounts) -> None:
    message = "Web service is not available (it doesn't exist or might be disabled)"
    assert_error(
        await call(client, params={**STUDENT, "service": "nosuch"}), "servicenotavailable", message
    )
    await accounts.create_service("off", enabled=False)
    assert_error(await call(client, params={**STUDENT, "service": "off"}), "servicenotavailable")


async def test_mobile_service_follows_enablemobilewebservice(client: Client, store: Store) -> None:
    await store.set_config("enablemobilewebservice", "0")
    assert_error(await call(client, params=STUDENT), "servicenotavailable")


async def test_required_capability(client: Client, accounts: Accounts, store: Store) -> None:
    service = await accounts.create_service("capped", requiredcapability="moodle/site:config")
    body = await call(client, params={**STUDENT, "service": "capped"})
    assert_error(
        body, "missingrequiredcapability", "The capability moodle/site:config is required."
    )
    # Admins hold every capability; they may not create tokens for other services, so give the
    # admin one to reuse.
    admin = await store.get_user_by_username("admin")
    assert admin is not None
    _, value = await accounts.create_token(admin, service)
    body = await call(
        client, params={"username": "admin", "password": ADMIN_PASSWORD, "service": "capped"}
    )
    assert body["token"] == value


async def test_restricted_service(client: Client, accounts: Accounts, store: Store) -> None:
    service = await accounts.create_service("private", restrictedusers=True)
    params = {**STUDENT, "service": "private"}
    assert_error(await call(client, params=params), "usernotallowed")
    student = await store.get_user_by_username("student")
    assert student is not None

    await store.set_authorised_user(
        service.id, AuthorisedUser(userid=student.id, validuntil=int(time.time()) - 10)
    )
    assert_error(
        await call(client, params=params), "invalidtimedtoken", "Invalid token - token expired"
    )

    await store.set_authorised_user(
        service.id, AuthorisedUser(userid=student.id, iprestriction="10.0.0.0/8")
    )
    outside = await call(client, params=params, headers={"X-Forwarded-For": "192.168.1.1"})
    assert_error(outside, "invalidiptoken", "Invalid token - your IP is not supported")
    inside = await call(client, params=params, headers={"X-Forwarded-For": "10.1.2.3"})
    assert "token" in inside


async def test_admin_cannot_create_tokens_for_other_services(
    client: Client, accounts: Accounts
) -> None:
    await accounts.create_service("custom")
    admin = {"username": "admin", "password": ADMIN_PASSWORD}
    body = await call(client, params={**admin, "service": "custom"})
    assert_error(
        body,
        "cannotcreatetoken",
        "No permission to create web service token for the service custom.",
    )
    assert "token" in await call(client, params={**admin, "service": MOBILE_SERVICE})
    assert "token" in await call(client, params={**STUDENT, "service": "custom"})


# --- token reuse -------------------------------------------------------------------------------
async def test_token_is_reused_and_lastaccess_refreshed(client: Client, store: Store) -> None:
    first = await call(client, params=STUDENT)
    token, _ = await token_for(store, first["token"])
    await store.touch_token(token.hash, 1)
    second = await call(client, method="POST", data=STUDENT)
    assert second["token"] == first["token"]
    _, lastaccess = await token_for(store, first["token"])
    assert lastaccess > 1
    student = await store.get_user_by_username("student")
    assert student is not None
    assert len(await store.user_tokens(student.id)) == 1


async def test_expired_token_is_deleted_and_replaced(
    client: Client, accounts: Accounts, store: Store
) -> None:
    student = await store.get_user_by_username("student")
    service = await store.get_service_by_shortname(MOBILE_SERVICE)
    assert student is not None and service is not None
    old, old_value = await accounts.create_token(student, service, validuntil=int(time.time()) - 1)
    body = await call(client, params=STUDENT)
    assert body["token"] != old_value
    assert await store.get_token(old.hash) is None
    assert [t.hash for t, _ in await store.user_tokens(student.id)] == [hash_token(body["token"])]


async def test_most_recent_valid_token_wins_and_ip_restricted_ones_are_skipped(
    client: Client, accounts: Accounts, store: Store
) -> None:
    student = await store.get_user_by_username("student")
    service = await store.get_service_by_shortname(MOBILE_SERVICE)
    other = await accounts.create_service("other")
    assert student is not None and service is not None
    _, older = await accounts.create_token(student, service)
    _, newer = await accounts.create_token(student, service)
    await accounts.create_token(student, other)  # another service: never reused here
    skipped, skipped_value = await accounts.create_token(student, service, iprestriction="10.0.0.1")
    body = await call(client, params=STUDENT)
    assert body["token"] == newer != older
    assert await store.get_token(skipped.hash) is not None  # skipped, not deleted
    from_10 = await call(client, params=STUDENT, headers={"X-Forwarded-For": "10.0.0.1"})
    assert from_10["token"] == skipped_value


# --- private token and forwarded headers -------------------------------------------------------
async def test_private_token_only_over_https_for_non_admins(client: Client, store: Store) -> None:
    body = await call(client, params=STUDENT, headers=HTTPS)
    token, _ = await token_for(store, body["token"])
    assert body["privatetoken"] == derive_private_token(SECRET, token.nonce)
    assert re.fullmatch(r"[A-Za-z0-9]{64}", body["privatetoken"])
    assert (await call(client, params=STUDENT))["privatetoken"] is None
    admin = await call(
        client,
        params={"username": "admin", "password": ADMIN_PASSWORD, "service": MOBILE_SERVICE},
        headers=HTTPS,
    )
    assert admin["privatetoken"] is None


async def test_forwarded_headers_from_untrusted_peers_are_ignored(
    make_client: MakeClient, accounts: Accounts, store: Store
) -> None:
    client = await make_client(trusted_proxies="10.9.9.9")
    assert (await call(client, params=STUDENT, headers=HTTPS))["privatetoken"] is None
    service = await accounts.create_service("iponly", restrictedusers=True)
    student = await store.get_user_by_username("student")
    assert student is not None
    await store.set_authorised_user(
        service.id, AuthorisedUser(userid=student.id, iprestriction="10.0.0.0/8")
    )
    body = await call(
        client, params={**STUDENT, "service": "iponly"}, headers={"X-Forwarded-For": "10.1.1.1"}
    )
    assert_error(body, "invalidiptoken")  # the peer is 127.0.0.1, whatever the header says


async def test_forwarded_for_chain_uses_the_last_untrusted_hop(
    client: Client, accounts: Accounts, store: Store
) -> None:
    service = await accounts.create_service("chain", restrictedusers=True)
    student = await store.get_user_by_username("student")
    assert student is not None
    await store.set_authorised_user(
        service.id, AuthorisedUser(userid=student.id, iprestriction="10.0.0.5")
    )
    params = {**STUDENT, "service": "chain"}
    # The client forged the first entry; the trusted proxy appended the real address.
    forged = {"X-Forwarded-For": "10.0.0.5, 192.0.2.7, 127.0.0.1"}
    assert_error(await call(client, params=params, headers=forged), "invalidiptoken")
    real = {"X-Forwarded-For": "192.0.2.7, 10.0.0.5"}
    assert "token" in await call(client, params=params, headers=real)


# --- malformed input ---------------------------------------------------------------------------
async def test_oversized_body(client: Client) -> None:
    body = await call(client, method="POST", data={**STUDENT, "pad": "x" * 100_000})
    assert_error(body, "invalidparameter")


async def test_debuginfo_only_in_developer_mode(make_client: MakeClient) -> None:
    client = await make_client(debug="developer")
    body = await call(client, method="POST", data={**STUDENT, "pad": "x" * 100_000})
    assert body["debuginfo"] == "request body too large"


async def test_invalid_utf8_is_dropped_not_fatal(client: Client) -> None:
    raw = b"username=stu%FFdent&password=Student-2026!&service=moodle_mobile_app"
    body = await call(
        client,
        method="POST",
        data=raw,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "token" in body  # Moodle's fix_utf8 removes the invalid byte
    bad_raw = b"username=student&password=\xff\xfe&service=moodle_mobile_app"
    body = await call(
        client,
        method="POST",
        data=bad_raw,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(body, "invalidlogin")
    resp = await client.get("/login/token.php?username=%C3%28&password=%FF&service=x")
    assert resp.status == 200
    assert_error(await resp.json(), "invalidlogin")


async def test_malformed_multipart(client: Client) -> None:
    resp = await client.post(
        "/login/token.php",
        data=b"--nope\r\ngarbage",
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert resp.status == 200
    body = await resp.json()
    assert body["errorcode"] in {"invalidparameter", "missingparam"}


async def test_multipart_form_is_accepted(client: Client) -> None:
    import aiohttp  # noqa: PLC0415

    form = aiohttp.FormData(STUDENT, default_to_multipart=True)
    assert "token" in await call(client, method="POST", data=form)


async def test_json_body_is_ignored_like_php(client: Client) -> None:
    body = await call(
        client,
        method="POST",
        data=b'{"username": "student"}',
        headers={"Content-Type": "application/json"},
    )
    assert_error(body, "missingparam")


async def test_bare_body_without_content_type(client: Client) -> None:
    resp = await client.post(
        "/login/token.php",
        data=b"username=student&password=Student-2026!&service=moodle_mobile_app",
        skip_auto_headers={"Content-Type"},
    )
    assert "token" in await resp.json()


async def test_other_methods_and_paths_are_plain_http(client: Client) -> None:
    assert (await client.put("/login/token.php")).status == 405
    assert (await client.get("/login/nothing.php")).status == 404


async def test_site_without_configuration_uses_defaults(client: Client, store: Store) -> None:
    await store.redis.delete(store.names.config)
    assert "token" in await call(client, params=STUDENT)


async def test_login_upgrades_hashes_made_with_old_costs(
    make_client: MakeClient, store: Store
) -> None:
    client = await make_client()
    before = await store.get_user_by_username("student")
    assert before is not None
    stronger = await make_client(argon2_time_cost=2)
    assert "token" in await call(stronger, params=STUDENT)
    after = await store.get_user_by_username("student")
    assert after is not None
    assert after.password != before.password and "t=2" in after.password
    assert "token" in await call(client, params=STUDENT)  # the new hash still verifies


async def test_rotated_secret_issues_a_working_token(
    make_client: MakeClient, client: Client, store: Store
) -> None:
    """After WS_SECRET_KEY changes, an old token's value cannot be re-derived: a new one."""
    first = await call(client, params=STUDENT)
    rotated = await make_client(secret_key="another-secret-0123456789abcdef")
    second = await call(rotated, params=STUDENT)
    assert second["token"] != first["token"]
    assert await store.get_token(hash_token(second["token"])) is not None
    again = await call(rotated, params=STUDENT)
    assert again["token"] == second["token"]
