"""docker-compose.yml and the image it builds, checked without a Docker engine.

The model is read twice when possible: with PyYAML (always; it resolves the ``<<`` merge keys
the file uses) and, when ``COMPOSE_BIN`` names a Compose v2 binary (``make compose-check`` sets
it), as the real parser resolves it, anchors, interpolation and defaults included.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "docker" / "python.Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
NGINX_CONF = ROOT / "docker" / "nginx.conf"

PYTHON_SERVICES = ("auth", "gateway", "functions")
BACKING_SERVICES = ("redis", "rabbitmq")
#: Third-party images run as they are: each must be pinned to an exact version.
PINNED_IMAGES = ("redis", "rabbitmq", "lb")

Model = dict[str, Any]


def load_yaml_model() -> Model:
    model = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(model, dict)
    return model


def load_compose_model(binary: str) -> Model:
    env = {**os.environ, "WS_SECRET_KEY": "compose-test"}
    out = subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), "config", "--format", "json"],
        env=env,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    model = msgspec.json.decode(out)
    assert isinstance(model, dict)
    return model


COMPOSE_BIN = os.environ.get("COMPOSE_BIN", "")


# The "compose" reading exists only where the binary does, rather than as a skip in every test.
@pytest.fixture(params=["yaml", "compose"] if COMPOSE_BIN else ["yaml"], scope="module")
def model(request: pytest.FixtureRequest) -> Model:
    if request.param == "yaml":
        return load_yaml_model()
    return load_compose_model(COMPOSE_BIN)


def services(model: Model) -> dict[str, dict[str, Any]]:
    result = model["services"]
    assert isinstance(result, dict)
    return result


def as_argv(value: str | list[str]) -> list[str]:
    return shlex.split(value) if isinstance(value, str) else list(value)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "KEY=value" list form
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def assert_python_argv_runs_here(argv: list[str]) -> None:
    """``python -m MODULE`` names a runnable module; ``python -c CODE`` compiles."""
    assert argv[0] == "python", argv
    if argv[1] == "-m":
        module = argv[2]
        spec = importlib.util.find_spec(module)
        assert spec is not None, f"{module} is not importable"
        if spec.submodule_search_locations is not None:  # a package runs its __main__
            assert importlib.util.find_spec(f"{module}.__main__") is not None, module
    else:
        assert argv[1] == "-c", argv
        compile(argv[2], "<healthcheck>", "exec")


def test_expected_services(model: Model) -> None:
    assert set(services(model)) == {*PYTHON_SERVICES, *BACKING_SERVICES, "lb"}


def test_every_service_has_image_or_build_and_restarts(model: Model) -> None:
    for name, service in services(model).items():
        assert "image" in service or "build" in service, name
        assert service.get("restart") in {"unless-stopped", "always"}, name


def test_backing_images_are_pinned(model: Model) -> None:
    for name in PINNED_IMAGES:
        image = services(model)[name]["image"]
        _, _, tag = image.partition(":")
        # A version with at least major.minor.patch, never a moving tag like "latest" or "7".
        assert re.match(r"\d+\.\d+\.\d+", tag), f"{name}: {image} is not pinned"


def test_every_service_has_a_healthcheck(model: Model) -> None:
    for name, service in services(model).items():
        check = service.get("healthcheck") or {}
        assert not check.get("disable"), name
        assert as_argv(check["test"])[0] in {"CMD", "CMD-SHELL"}, name


def test_python_services_depend_on_healthy_backing_services(model: Model) -> None:
    for name in PYTHON_SERVICES:
        depends = services(model)[name]["depends_on"]
        for backing in BACKING_SERVICES:
            assert depends[backing]["condition"] == "service_healthy", (name, backing)
    gateway_deps = services(model)["gateway"]["depends_on"]
    assert gateway_deps["auth"]["condition"] == "service_healthy"


def test_python_commands_and_healthchecks_name_real_modules(model: Model) -> None:
    for name in PYTHON_SERVICES:
        service = services(model)[name]
        assert_python_argv_runs_here(as_argv(service["command"]))
        assert_python_argv_runs_here(as_argv(service["healthcheck"]["test"])[1:])
    assert as_argv(services(model)["functions"]["command"])[2] == "services.functions"


def test_healthchecks_probe_the_ports_the_services_listen_on(model: Model) -> None:
    auth, gateway = services(model)["auth"], services(model)["gateway"]
    auth_port = environment(auth)["WS_AUTH_PORT"]
    gateway_port = environment(gateway)["WS_HTTP_PORT"]
    assert f"127.0.0.1:{auth_port}/healthz" in as_argv(auth["healthcheck"]["test"])[-1]
    assert f"127.0.0.1:{gateway_port}/healthz" in as_argv(gateway["healthcheck"]["test"])[-1]
    assert environment(gateway)["WS_AUTH_URL"] == f"http://auth:{auth_port}"


def test_functions_and_gateways_can_be_scaled(model: Model) -> None:
    # `docker compose up --scale gateway=2 --scale functions=4` needs replicas that do not
    # claim a fixed name or a host port.
    for name in ("functions", "gateway"):
        service = services(model)[name]
        assert "container_name" not in service, name
        assert not service.get("ports"), name
        assert int(service["deploy"]["replicas"]) >= 2, name


def test_only_the_load_balancer_is_published(model: Model) -> None:
    published = {name for name, svc in services(model).items() if svc.get("ports")}
    assert published == {"lb"}
    (port,) = services(model)["lb"]["ports"]
    target = port["target"] if isinstance(port, dict) else str(port).rsplit(":", 1)[-1]
    assert re.search(rf"^\s*listen {int(target)};", NGINX_CONF.read_text(), re.MULTILINE)


def test_load_balancer_proxies_to_the_gateway_service_by_dns(model: Model) -> None:
    lb = services(model)["lb"]
    mounts = [v if isinstance(v, str) else f"{v['source']}:{v['target']}" for v in lb["volumes"]]
    assert any(
        m.split(":")[1] == "/etc/nginx/nginx.conf" and Path(m.split(":")[0]).name == "nginx.conf"
        for m in mounts
    ), mounts
    assert lb["depends_on"]["gateway"]["condition"] == "service_healthy"
    conf = NGINX_CONF.read_text()
    port = environment(services(model)["gateway"])["WS_HTTP_PORT"]
    # Resolved at run time through Docker's DNS, so every replica (and new ones) is used.
    assert "resolver 127.0.0.11" in conf
    assert f"set $gateway http://gateway:{port};" in conf
    assert "proxy_pass $gateway;" in conf
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    healthcheck = " ".join(as_argv(lb["healthcheck"]["test"]))
    assert "/lb-healthz" in healthcheck and "location = /lb-healthz" in conf


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_load_balancer_config(tmp_path: Path) -> None:
    # `nginx -t` only parses and checks the file (it starts nothing); the prefix keeps any
    # relative path inside tmp_path.
    result = subprocess.run(
        ["nginx", "-t", "-q", "-c", str(NGINX_CONF), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_workers_queue_type_is_configurable(model: Model) -> None:
    value = environment(services(model)["functions"])["WS_QUEUE_TYPE"]
    # The YAML reading sees the interpolation; the compose reading its default.
    assert value in {"classic", "${WS_QUEUE_TYPE:-classic}"}, value


def test_connection_urls_point_at_the_compose_services(model: Model) -> None:
    for name in PYTHON_SERVICES:
        env = environment(services(model)[name])
        assert env["REDIS_URL"].startswith("redis://redis:6379/"), name
        assert "@rabbitmq:5672/" in env["AMQP_URL"], name


def test_file_store_volume_is_shared(model: Model) -> None:
    def targets(service: dict[str, Any]) -> dict[str, str]:
        mounts = {}
        for volume in service.get("volumes") or []:
            if isinstance(volume, str):
                source, target = volume.split(":")[:2]
            else:
                source, target = volume["source"], volume["target"]
            mounts[target] = source
        return mounts

    for name in ("gateway", "functions"):
        assert targets(services(model)[name]).get("/data/files") == "files", name
    assert "files" in model["volumes"]


def test_secret_key_is_required_and_only_given_to_auth() -> None:
    text = COMPOSE_FILE.read_text()
    uses = re.findall(r"\$\{WS_SECRET_KEY([^}]*)\}", text)
    assert uses, "WS_SECRET_KEY is not passed to any service"
    assert all(use.startswith(":?") for use in uses), uses
    holders = {
        n for n, s in services(load_yaml_model()).items() if "WS_SECRET_KEY" in environment(s)
    }
    assert holders == {"auth"}


@pytest.mark.skipif(not COMPOSE_BIN, reason="needs COMPOSE_BIN (make compose-check)")
def test_compose_rejects_a_missing_secret() -> None:
    env = {k: v for k, v in os.environ.items() if k != "WS_SECRET_KEY"}
    result = subprocess.run(
        [COMPOSE_BIN, "-f", str(COMPOSE_FILE), "config", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "WS_SECRET_KEY" in result.stderr


# --- the image ------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    rows = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            rows.append((keyword.upper(), rest.strip()))
    return rows


def test_compose_builds_the_dockerfile(model: Model) -> None:
    for name in PYTHON_SERVICES:
        build = services(model)[name]["build"]
        assert (ROOT / build.get("context", ".") / build["dockerfile"]).resolve() == DOCKERFILE


def test_dockerfile_base_is_pinned_and_user_is_not_root() -> None:
    rows = dockerfile_instructions()
    (base,) = [rest for keyword, rest in rows if keyword == "FROM"]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base), base
    users = [rest for keyword, rest in rows if keyword == "USER"]
    assert users, "the image runs as root"
    assert users[-1] not in {"root", "0"}


def test_dockerfile_copies_files_that_exist_and_are_not_ignored() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    copied = 0
    for keyword, rest in dockerfile_instructions():
        if keyword != "COPY":
            continue
        *sources, _dest = rest.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
            assert source.rstrip("/") not in ignored, f"COPY {source} is excluded by .dockerignore"
            copied += 1
    assert copied >= 4


def test_dockerfile_installs_the_pinned_requirements() -> None:
    runs = " ".join(rest for keyword, rest in dockerfile_instructions() if keyword == "RUN")
    assert "pip install --only-binary=:all: -r requirements.txt" in runs
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert "==" in line, f"requirements.txt must pin exactly: {line}"
