"""The errors login/token.php answers with: Moodle's codes and English strings, in one place."""

from __future__ import annotations

from shared.errors import WSError

__all__ = [
    "cannot_create_token",
    "invalid_ip_token",
    "invalid_login",
    "invalid_timed_token",
    "missing_param",
    "missing_required_capability",
    "service_not_available",
    "site_maintenance",
    "storage_unavailable",
    "user_not_allowed",
    "user_not_confirmed",
    "web_services_disabled",
]


def web_services_disabled() -> WSError:
    return WSError("enablewsdescription", "Web services must be enabled in Advanced features.")


def missing_param(name: str) -> WSError:
    return WSError("missingparam", f"A required parameter ({name}) was missing")


def invalid_login() -> WSError:
    return WSError("invalidlogin", "Invalid login, please try again")


def site_maintenance() -> WSError:
    return WSError(
        "sitemaintenance", "The site is undergoing maintenance and is currently not available"
    )


def user_not_confirmed(username: str) -> WSError:
    return WSError("usernotconfirmed", f"Could not confirm {username}")


def service_not_available() -> WSError:
    return WSError(
        "servicenotavailable",
        "Web service is not available (it doesn't exist or might be disabled)",
    )


def missing_required_capability(capability: str) -> WSError:
    return WSError("missingrequiredcapability", f"The capability {capability} is required.")


def user_not_allowed(shortname: str) -> WSError:
    return WSError(
        "usernotallowed",
        "The user is not allowed for this service. First you need to allow this user on the "
        f"{shortname}'s allowed users administration page.",
    )


def invalid_timed_token() -> WSError:
    return WSError("invalidtimedtoken", "Invalid token - token expired")


def invalid_ip_token() -> WSError:
    return WSError("invalidiptoken", "Invalid token - your IP is not supported")


def cannot_create_token(shortname: str) -> WSError:
    return WSError(
        "cannotcreatetoken",
        f"No permission to create web service token for the service {shortname}.",
    )


def storage_unavailable(debuginfo: str) -> WSError:
    # Moodle reports a failing database this way; clients already know the code.
    err = WSError("dmlreadexception", "Error reading from database", debuginfo)
    err.exception_class = "dml_read_exception"  # type: ignore[misc]  # per-instance override
    return err
