"""wsadmin, run in-process through main([...]) and once as a real subprocess."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.auth.admin_cli import main
from services.auth.passwords import Passwords
from services.auth.settings import AuthSettings
from shared.constants import MOBILE_SERVICE
from shared.store import Store
from shared.tokens import derive_token, hash_token
from tests.auth.conftest import FAST_HASH, SECRET

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(namespace: str, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "REDIS_URL": redis_url,
        "WS_NAMESPACE": namespace,
        "WS_SECRET_KEY": SECRET,
        "WS_ADMIN_PASSWORD": "",
        **{f"WS_{k.upper()}": str(v) for k, v in FAST_HASH.items()},
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


async def wsadmin(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    """Run main() in a thread (it owns its event loop); returns (status, stdout lines, stderr)."""
    capsys.readouterr()
    status = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


async def test_user_create_and_list(
    env: dict[str, str],
    store: Store,
    auth_settings: AuthSettings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = await wsadmin(
        capsys,
        "user",
        "create",
        "jdoe",
        "--password",
        "S3cret-pw",
        "--firstname",
        "Jane",
        "--lastname",
        "Doe",
        "--email",
        "jane@example.com",
    )
    assert status == 0 and "jdoe" in out[-1]
    user = await store.get_user_by_username("jdoe")
    assert user is not None and not user.siteadmin
    assert (user.firstname, user.lastname, user.email) == ("Jane", "Doe", "jane@example.com")
    assert await Passwords(auth_settings).verify(user.password, "S3cret-pw")

    status, _, _ = await wsadmin(capsys, "user", "create", "boss", "--password", "p", "--admin")
    boss = await store.get_user_by_username("boss")
    assert status == 0 and boss is not None and boss.siteadmin

    status, out, _ = await wsadmin(capsys, "user", "list")
    assert status == 0
    assert out[0].split() == ["id", "username", "name", "email", "flags"]
    assert any("jdoe" in line and "Jane Doe" in line for line in out)
    assert any("boss" in line and "admin" in line for line in out)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["user", "create", "Bad Name", "--password", "p"], "invalid username"),
        (["service", "create", "bad.name"], "invalid service shortname"),
        (["service", "add-function", "nosuch", "core_x"], "unknown service"),
        (["token", "create", "ghost", MOBILE_SERVICE], "unknown user"),
        (["token", "revoke", "0" * 32], "no such token"),
        (["token", "revoke", "--id", "999"], "no token with id 999"),
        (["token", "list", "--user", "ghost"], "unknown user"),
    ],
)
async def test_refusals_are_one_line_and_exit_1(
    env: dict[str, str],
    store: Store,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    status, out, err = await wsadmin(capsys, *argv)
    assert status == 1
    assert out == []
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


async def test_duplicates_are_refused(
    env: dict[str, str], store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (await wsadmin(capsys, "user", "create", "dup", "--password", "p"))[0] == 0
    status, _, err = await wsadmin(capsys, "user", "create", "dup", "--password", "q")
    assert status == 1 and "already exists" in err
    assert (await wsadmin(capsys, "service", "create", "svc"))[0] == 0
    status, _, err = await wsadmin(capsys, "service", "create", "svc")
    assert status == 1 and "already exists" in err


async def test_service_commands(
    env: dict[str, str], store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, _ = await wsadmin(
        capsys,
        "service",
        "create",
        "reports",
        "--name",
        "Reports",
        "--functions",
        "core_webservice_get_site_info, core_course_get_courses",
        "--restricted",
        "--disabled",
        "--download-files",
    )
    assert status == 0
    service = await store.get_service_by_shortname("reports")
    assert service is not None
    assert service.name == "Reports" and service.component == ""
    assert service.restrictedusers and not service.enabled
    assert service.downloadfiles and not service.uploadfiles
    assert await store.service_functions(service.id) == {
        "core_webservice_get_site_info",
        "core_course_get_courses",
    }

    status, out, _ = await wsadmin(
        capsys,
        "service",
        "add-function",
        "reports",
        "core_user_get_users",
        "core_course_get_courses",
    )
    assert status == 0 and "added 1" in out[-1]
    assert "core_user_get_users" in await store.service_functions(service.id)

    assert (await wsadmin(capsys, "service", "enable", "reports"))[0] == 0
    enabled = await store.get_service_by_shortname("reports")
    assert enabled is not None and enabled.enabled

    assert (await wsadmin(capsys, "user", "create", "ann", "--password", "p"))[0] == 0
    status, _, _ = await wsadmin(
        capsys, "service", "authorise", "reports", "ann", "--ip-restriction", "10.0.0.0/8"
    )
    ann = await store.get_user_by_username("ann")
    assert status == 0 and ann is not None
    authorised = await store.get_authorised_user(service.id, ann.id)
    assert authorised is not None and authorised.iprestriction == "10.0.0.0/8"

    status, out, _ = await wsadmin(capsys, "service", "list")
    assert status == 0
    row = next(line.split() for line in out if "reports" in line)
    assert row[-4:] == ["Reports", "yes", "yes", "3"]


async def test_token_lifecycle(
    env: dict[str, str], store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (await wsadmin(capsys, "seed"))[0] == 0
    assert (await wsadmin(capsys, "service", "create", "api"))[0] == 0
    until = int(time.time()) + 3600
    status, out, _ = await wsadmin(
        capsys,
        "token",
        "create",
        "student",
        "api",
        "--valid-until",
        str(until),
        "--ip-restriction",
        "192.168.1.10-20",
    )
    assert status == 0
    value = out[-1]
    assert re.fullmatch(r"[0-9a-f]{32}", value)
    found = await store.get_token(hash_token(value))
    assert found is not None
    token = found[0]
    student = await store.get_user_by_username("student")
    api = await store.get_service_by_shortname("api")
    assert student is not None and api is not None
    assert (token.userid, token.serviceid, token.validuntil) == (student.id, api.id, until)
    assert token.iprestriction == "192.168.1.10-20"
    assert derive_token(SECRET, token.nonce) == value

    status, out2, _ = await wsadmin(capsys, "token", "create", "teacher", MOBILE_SERVICE)
    assert status == 0
    other = out2[-1]

    status, out, _ = await wsadmin(capsys, "token", "list")
    assert status == 0
    listing = "\n".join(out)
    assert value not in listing and other not in listing
    assert out[0].split()[:3] == ["id", "user", "service"]
    assert len(out) == 3
    status, out, _ = await wsadmin(capsys, "token", "list", "--user", "student")
    assert len(out) == 2 and "student" in out[1] and "192.168.1.10-20" in out[1]

    assert (await wsadmin(capsys, "token", "revoke", value))[0] == 0
    assert await store.get_token(hash_token(value)) is None
    other_token = await store.get_token(hash_token(other))
    assert other_token is not None
    assert (await wsadmin(capsys, "token", "revoke", "--id", str(other_token[0].id)))[0] == 0
    assert await store.list_tokens() == []


async def test_token_create_validates_input(
    env: dict[str, str], store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (await wsadmin(capsys, "seed"))[0] == 0
    status, _, err = await wsadmin(
        capsys, "token", "create", "student", MOBILE_SERVICE, "--ip-restriction", "10.0.0.x"
    )
    assert status == 1 and "10.0.0.x" in err
    status, _, err = await wsadmin(
        capsys, "token", "create", "student", MOBILE_SERVICE, "--valid-until", "1000"
    )
    assert status == 1 and "past" in err
    assert await store.list_tokens() == []


async def test_token_create_needs_the_secret(
    env: dict[str, str],
    store: Store,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WS_SECRET_KEY")
    status, _, err = await wsadmin(capsys, "token", "create", "admin", MOBILE_SERVICE)
    assert status == 2 and "WS_SECRET_KEY" in err
    assert (await wsadmin(capsys, "service", "list"))[0] == 0  # other commands still work


async def test_seed_prints_the_generated_password_once(
    env: dict[str, str],
    store: Store,
    auth_settings: AuthSettings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = await wsadmin(capsys, "seed")
    assert status == 0
    password = out[-1].removeprefix("admin password (shown once): ")
    assert password != out[-1]
    admin = await store.get_user_by_username("admin")
    assert admin is not None and admin.siteadmin
    assert await Passwords(auth_settings).verify(admin.password, password)
    status, out, _ = await wsadmin(capsys, "seed")
    assert status == 0 and not any("password" in line for line in out)


async def test_unreachable_redis(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://:hunter2@127.0.0.1:1/0")
    status, out, err = await wsadmin(capsys, "user", "list")
    assert status == 1 and out == []
    assert err.startswith("wsadmin: cannot reach Redis at redis://:***@127.0.0.1:1/0")
    assert err.count("\n") == 1 and "hunter2" not in err and "Traceback" not in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["token", "revoke"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["user", "create", "x"])  # --password is required
    assert exc.value.code == 2


async def test_as_a_subprocess(env: dict[str, str], store: Store) -> None:
    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "services.auth.admin_cli", *argv],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    created = await asyncio.to_thread(run, "user", "create", "proc", "--password", "Pw-12345")
    assert created.returncode == 0, created.stderr
    issued = await asyncio.to_thread(run, "token", "create", "proc", MOBILE_SERVICE)
    assert issued.returncode == 1 and "unknown service" in issued.stderr
    assert "Traceback" not in issued.stderr
    assert (await asyncio.to_thread(run, "seed")).returncode == 0
    issued = await asyncio.to_thread(run, "token", "create", "proc", MOBILE_SERVICE)
    assert issued.returncode == 0, issued.stderr
    value = issued.stdout.splitlines()[-1]
    assert re.fullmatch(r"[0-9a-f]{32}", value)
    found = await store.get_token(hash_token(value))
    proc = await store.get_user_by_username("proc")
    assert found is not None and proc is not None and found[0].userid == proc.id
    bad = await asyncio.to_thread(run, "user", "create", "proc", "--password", "x")
    assert bad.returncode == 1 and bad.stderr.startswith("wsadmin: error:")
