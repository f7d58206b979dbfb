"""Every name shared between processes: Redis keys, AMQP exchanges and queues, and timings.

Everything is prefixed with the namespace (``WS_NAMESPACE``) so several stacks and test runs can
share one Redis and one broker. Only :mod:`shared.store` builds Redis keys and only
:mod:`shared.bus` builds AMQP names; both take them from :class:`Names`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CALL_DEADLINE_DEFAULT",
    "CALL_DEADLINE_MAX",
    "CALL_OUTCOME_TTL",
    "CATALOG_RELOAD_MIN_INTERVAL",
    "MOBILE_SERVICE",
    "QUEUE_TYPES",
    "TOKEN_DURATION",
    "TOKEN_LASTACCESS_UPDATE_SECS",
    "Names",
]

#: Moodle's ``tokenduration`` default: tokens created by login/token.php live 12 weeks.
TOKEN_DURATION = 12 * 7 * 24 * 3600
#: Moodle writes ``lastaccess`` at most once a minute per token.
TOKEN_LASTACCESS_UPDATE_SECS = 60
#: Shortname of the built-in mobile service (Moodle's MOODLE_OFFICIAL_MOBILE_SERVICE).
MOBILE_SERVICE = "moodle_mobile_app"
#: Seconds a call may take end to end unless configured otherwise; also the message expiration.
CALL_DEADLINE_DEFAULT = 30.0
#: Upper bound for any configured deadline, so a typo cannot park requests for hours.
CALL_DEADLINE_MAX = 600.0
#: How long a write call's outcome is kept to answer redeliveries without running it again.
#: Longer than any deadline (CALL_DEADLINE_MAX), so no redelivery can outlive it.
CALL_OUTCOME_TTL = 900
#: The gateway re-reads the catalog on an unknown function at most this often (seconds).
CATALOG_RELOAD_MIN_INTERVAL = 1.0


@dataclass(frozen=True, slots=True)
class Names:
    """Redis keys and AMQP names under one namespace."""

    namespace: str

    # --- Redis -------------------------------------------------------------------------------
    def key(self, *parts: str | int) -> str:
        return ":".join((self.namespace, *(str(p) for p in parts)))

    @property
    def ids(self) -> str:
        """Hash of id counters (users, services, tokens); HINCRBY gives the next id atomically."""
        return self.key("ids")

    def user(self, userid: int) -> str:
        return self.key("user", userid)

    @property
    def usernames(self) -> str:
        """Hash username -> user id (the unique index)."""
        return self.key("usernames")

    @property
    def users(self) -> str:
        """Sorted set of user ids (score = id) for listing without scans."""
        return self.key("users")

    @property
    def user_keys(self) -> str:
        """Hash userid -> private access key (get_site_info's ``userprivateaccesskey``)."""
        return self.key("userkeys")

    @property
    def user_key_owners(self) -> str:
        """Hash private access key -> userid (tokenpluginfile.php's lookup)."""
        return self.key("userkeyowners")

    def service(self, serviceid: int) -> str:
        return self.key("service", serviceid)

    def service_functions(self, serviceid: int) -> str:
        return self.key("service", serviceid, "functions")

    def service_users(self, serviceid: int) -> str:
        """Hash userid -> authorised-user record for a restricted service."""
        return self.key("service", serviceid, "users")

    @property
    def service_shortnames(self) -> str:
        return self.key("serviceshortnames")

    @property
    def services(self) -> str:
        return self.key("services")

    def token(self, token_hash: str) -> str:
        return self.key("token", token_hash)

    @property
    def token_ids(self) -> str:
        """Hash token id -> token hash, so admins can name a token without knowing its value."""
        return self.key("tokenids")

    def user_tokens(self, userid: int) -> str:
        """Set of token hashes owned by a user."""
        return self.key("user", userid, "tokens")

    @property
    def tokens(self) -> str:
        """Sorted set of all token hashes (score = token id)."""
        return self.key("tokens")

    @property
    def catalog(self) -> str:
        """Hash function name -> JSON FunctionInfo (the catalog the gateway compiles)."""
        return self.key("catalog")

    @property
    def config(self) -> str:
        """Hash of site configuration (site name, switches)."""
        return self.key("config")

    @property
    def invalidations(self) -> str:
        """Pub/sub channel telling gateways to drop cached tokens, services or the catalog."""
        return self.key("invalidate")

    @property
    def seeded(self) -> str:
        return self.key("seeded")

    def call_outcome(self, call_id: str) -> str:
        """A write call's claim ("running") and then its stored reply, for deduplication."""
        return self.key("call", call_id)

    # --- AMQP --------------------------------------------------------------------------------
    @property
    def calls_exchange(self) -> str:
        """Direct exchange; routing key = function name; bound by the workers that serve it."""
        return f"{self.namespace}.calls"

    def call_queue(self, component: str) -> str:
        """One durable queue per component; all workers serving it compete on it."""
        return f"{self.namespace}.calls.{component}"

    # --- ACCESS engineer: audit, lockout, rate limits ---------------------------------------------
    @property
    def audit_stream(self) -> str:
        """Redis stream of audit events (capped with XADD MAXLEN ~), read by ``wsadmin audit``."""
        return self.key("audit")

    @property
    def events_exchange(self) -> str:
        """Topic exchange of audit events; routing key = Moodle event name."""
        return f"{self.namespace}.events"

    def lockout(self, userid: int) -> str:
        """Hash of a user's failed-login counters and lockout end (token.php lockout)."""
        return self.key("lockout", userid)

    def ratelimit(self, kind: str, ident: str, window: int) -> str:
        """Counter of calls by a token or client address in one fixed window."""
        return self.key("rl", kind, ident, window)


# --- DEPLOYMENT: broker cluster ------------------------------------------------------------------
#: Types a call queue can be declared with (``WS_QUEUE_TYPE``). ``quorum`` queues are replicated
#: on a RabbitMQ cluster (Raft) and survive the loss of a minority of its nodes.
QUEUE_TYPES = ("classic", "quorum")
