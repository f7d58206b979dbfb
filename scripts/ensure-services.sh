#!/usr/bin/env bash
# Make sure Redis (REDIS_URL) and RabbitMQ (AMQP_URL) answer before the stack or the tests start.
#
# For each service: if it already answers (a real protocol handshake, not just an open port) we
# are done. Otherwise, when its host is this machine, start it (installing the Debian package
# first when the binary is missing and we are root with apt-get), wait a bounded time for it to
# answer, and fail with a message that says exactly what is missing when it does not.
#
# Environment:
#   REDIS_URL         default redis://127.0.0.1:6379/0
#   AMQP_URL          default amqp://guest:guest@127.0.0.1:5672/
#   WS_NO_AUTOSTART   1 = only check, never start or install anything
#   WS_STATE_DIR      where a Redis started here keeps its data and log (default .local)
#   WS_SERVICES_WAIT  seconds to wait for a started service to answer (default 90)
#
# Never contacts anything but the two configured addresses, and each probe is bounded by a short
# timeout, so an unreachable host costs seconds, not minutes.
set -euo pipefail

REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
AMQP_URL=${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}
NO_AUTOSTART=${WS_NO_AUTOSTART:-0}
STATE_DIR=${WS_STATE_DIR:-.local}
WAIT_SECS=${WS_SERVICES_WAIT:-90}
PROBE_SECS=2

say() { printf 'ensure-services: %s\n' "$*" >&2; }
# die PROBLEM [HOW-TO-FIX]
die() {
  say "ERROR: $1"
  [[ -n ${2:-} ]] && say "  fix: $2"
  exit 1
}

# "scheme host port" from a URL; python3 is already a hard requirement of the project and its
# urllib handles user:password@, [ipv6] and missing ports, which a bash regex would get wrong.
parse_url() {
  python3 - "$1" "$2" <<'PY'
import sys
from urllib.parse import urlsplit

url, default_port = sys.argv[1], int(sys.argv[2])
parts = urlsplit(url)
try:
    port = parts.port or default_port
except ValueError:
    sys.exit(f"invalid port in {url!r}")
if not parts.hostname:
    sys.exit(f"no host in {url!r}")
print(parts.scheme, parts.hostname, port)
PY
}

is_local() {
  case "$1" in
    localhost | 127.* | ::1) return 0 ;;
    *) return 1 ;;
  esac
}

# Redis answers PING with +PONG, or with -NOAUTH/-ERR when a password is required: both prove a
# Redis server is there.
redis_answers() {
  local host=$1 port=$2 reply
  # shellcheck disable=SC2016  # $0/$1 are expanded by the inner bash
  reply=$(timeout "$PROBE_SECS" bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "PING\r\n" >&3
    IFS= read -r -t 2 line <&3 || exit 1
    printf "%s" "$line"' "$host" "$port" 2>/dev/null) || return 1
  [[ $reply == +PONG* || $reply == -NOAUTH* || $reply == -ERR* ]]
}

# An AMQP 0-9-1 server answers the protocol header with a connection.start method frame, whose
# first bytes are frame type 1 on channel 0.
amqp_answers() {
  local host=$1 port=$2 reply
  # shellcheck disable=SC2016  # $0/$1 are expanded by the inner bash
  reply=$(timeout "$PROBE_SECS" bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "AMQP\x00\x00\x09\x01" >&3
    head -c 3 <&3 | od -An -tx1' "$host" "$port" 2>/dev/null) || return 1
  [[ ${reply//[[:space:]]/} == 010000 ]]
}

# TLS (rediss://, amqps://) cannot be spoken from bash: an accepted connection has to do.
port_open() {
  # shellcheck disable=SC2016  # $0/$1 are expanded by the inner bash
  timeout "$PROBE_SECS" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# Install Debian packages for missing binaries, only when that is possible without asking.
install_packages() {
  local missing=("$@")
  if [[ $NO_AUTOSTART == 1 ]]; then
    return 1
  fi
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
    return 1
  fi
  say "installing ${missing[*]} with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

wait_until() {
  local what=$1
  shift
  local deadline=$((SECONDS + WAIT_SECS))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.5
  done
  say "$what answers"
}

ensure_redis() {
  local parsed scheme host port
  parsed=$(parse_url "$REDIS_URL" 6379) || die "REDIS_URL is not usable: $REDIS_URL"
  read -r scheme host port <<<"$parsed"
  [[ $scheme == redis || $scheme == rediss ]] || die "REDIS_URL must be redis:// or rediss://, got $REDIS_URL"
  if [[ $scheme == rediss ]]; then
    port_open "$host" "$port" && return 0
    die "nothing accepts connections at $host:$port (REDIS_URL, TLS); a TLS Redis is never started here." \
      "start it, or set REDIS_URL to a Redis that runs."
  fi
  if redis_answers "$host" "$port"; then
    return 0
  fi
  if ! is_local "$host"; then
    die "Redis at $host:$port (REDIS_URL) does not answer; it is not on this machine, so it is not started here." \
      "start Redis on $host, or set REDIS_URL to a Redis that runs."
  fi
  if [[ $NO_AUTOSTART == 1 ]]; then
    die "Redis at $host:$port (REDIS_URL) does not answer, and WS_NO_AUTOSTART=1 forbids starting it." \
      "redis-server --daemonize yes --bind 127.0.0.1 --port $port   (or unset WS_NO_AUTOSTART)"
  fi
  if ! command -v redis-server >/dev/null; then
    install_packages redis-server || die "Redis does not answer at $host:$port, redis-server is not installed, and it cannot be installed from here (needs root and apt-get)." \
      "sudo apt-get install redis-server (macOS: brew install redis), or set REDIS_URL to a Redis that runs."
    # The package's own service may have started with the install.
    redis_answers "$host" "$port" && return 0
  fi
  local bind=$host dir="$STATE_DIR/redis-$port"
  [[ $host == localhost ]] && bind=127.0.0.1
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  say "starting redis-server on $host:$port (data and log in $dir)"
  # Append-only file so a local dev site (users, tokens) survives a restart of Redis.
  redis-server --daemonize yes --bind "$bind" --port "$port" --dir "$dir" \
    --appendonly yes --save "" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" >&2 ||
    die "redis-server failed to start; see $dir/redis.log"
  wait_until "Redis at $host:$port" redis_answers "$host" "$port" ||
    die "redis-server was started but $host:$port did not answer within ${WAIT_SECS}s; see $dir/redis.log"
}

ensure_rabbitmq() {
  local parsed scheme host port default_port=5672
  [[ $AMQP_URL == amqps://* ]] && default_port=5671
  parsed=$(parse_url "$AMQP_URL" "$default_port") || die "AMQP_URL is not usable: $AMQP_URL"
  read -r scheme host port <<<"$parsed"
  [[ $scheme == amqp || $scheme == amqps ]] || die "AMQP_URL must be amqp:// or amqps://, got $AMQP_URL"
  if [[ $scheme == amqps ]]; then
    port_open "$host" "$port" && return 0
    die "nothing accepts connections at $host:$port (AMQP_URL, TLS); a TLS broker is never started here." \
      "start it, or set AMQP_URL to a broker that runs."
  fi
  if amqp_answers "$host" "$port"; then
    return 0
  fi
  if ! is_local "$host"; then
    die "RabbitMQ at $host:$port (AMQP_URL) does not answer; it is not on this machine, so it is not started here." \
      "start RabbitMQ on $host, or set AMQP_URL to a broker that runs."
  fi
  if [[ $NO_AUTOSTART == 1 ]]; then
    die "RabbitMQ at $host:$port (AMQP_URL) does not answer, and WS_NO_AUTOSTART=1 forbids starting it." \
      "rabbitmq-server -detached   (or unset WS_NO_AUTOSTART)"
  fi
  # A locally started node listens where its own configuration says (5672 by default); starting
  # one for another port would need a second node with its own name, data and config.
  if [[ $port != 5672 ]]; then
    die "RabbitMQ at $host:$port (AMQP_URL) does not answer; only a broker on the default port 5672 is started automatically." \
      "start your broker on port $port, or set AMQP_URL=amqp://guest:guest@127.0.0.1:5672/"
  fi
  if ! command -v rabbitmq-server >/dev/null; then
    install_packages rabbitmq-server || die "RabbitMQ does not answer at $host:$port, rabbitmq-server is not installed, and it cannot be installed from here (needs root and apt-get)." \
      "sudo apt-get install rabbitmq-server (macOS: brew install rabbitmq), or set AMQP_URL to a broker that runs."
  fi
  # A node may already be up but still booting (or started by the package's install): then
  # starting a second one would fail, and waiting is all there is to do.
  if command -v rabbitmq-diagnostics >/dev/null && rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
    say "a RabbitMQ node is running but not answering on $host:$port yet: waiting"
  else
    say "starting rabbitmq-server (log in /var/log/rabbitmq/)"
    rabbitmq-server -detached >&2 || die "rabbitmq-server -detached failed; see /var/log/rabbitmq/"
  fi
  wait_until "RabbitMQ at $host:$port" amqp_answers "$host" "$port" ||
    die "rabbitmq-server was started but $host:$port did not answer within ${WAIT_SECS}s; see /var/log/rabbitmq/"
  # The listener opens before every boot step has run; await_startup waits for the rest.
  if command -v rabbitmqctl >/dev/null; then
    rabbitmqctl await_startup --timeout "$WAIT_SECS" >/dev/null 2>&1 ||
      die "RabbitMQ answers on $host:$port but did not finish booting (rabbitmqctl await_startup); see /var/log/rabbitmq/"
  fi
}

ensure_redis
ensure_rabbitmq
