"""Errorcodes to exception classes, and every error body shape the site sends."""

from __future__ import annotations

import pytest

from wsclient.errors import (
    ERRORCODE_CLASSES,
    AccessDenied,
    InvalidParameter,
    InvalidToken,
    LoginFailed,
    MoodleError,
    NotFound,
    ServerBusy,
    Timeout,
    error_class,
    error_from_body,
)


@pytest.mark.parametrize(
    ("errorcode", "cls"),
    [
        ("invalidtoken", InvalidToken),
        ("invalidparameter", InvalidParameter),
        ("accessexception", AccessDenied),
        ("nopermissions", AccessDenied),
        ("requireloginerror", AccessDenied),
        ("restrictedcontextexception", AccessDenied),
        ("invalidrecord", NotFound),
        ("invalidrecordunknown", NotFound),
        ("servicebusy", ServerBusy),
        ("noworkers", ServerBusy),
        ("sitemaintenance", ServerBusy),
        ("calltimeout", Timeout),
        ("invalidlogin", LoginFailed),
        ("invalidresponse", MoodleError),
        ("somethingnew", MoodleError),
    ],
)
def test_errorcode_picks_the_class(errorcode: str, cls: type[MoodleError]) -> None:
    assert error_class(errorcode) is cls
    err = error_from_body({"exception": "x", "errorcode": errorcode, "message": "m"})
    assert type(err) is cls
    assert err.errorcode == errorcode


def test_every_class_is_a_moodle_error_and_timeouts_are_busy() -> None:
    assert all(issubclass(cls, MoodleError) for cls in ERRORCODE_CLASSES.values())
    assert issubclass(Timeout, ServerBusy)


def test_an_expired_token_reads_as_invalid_token() -> None:
    # The access exception Moodle raises for an expired token: clients must log in again.
    body = {
        "exception": "webservice_access_exception",
        "errorcode": "accessexception",
        "message": "Access control exception",
        "debuginfo": "Invalid token - token expired - check validuntil time for the token",
    }
    assert type(error_from_body(body)) is InvalidToken
    body["debuginfo"] = "Access to the function x() is not allowed."
    assert type(error_from_body(body)) is AccessDenied


def test_rest_shape() -> None:
    err = error_from_body(
        {
            "exception": "invalid_parameter_exception",
            "errorcode": "invalidparameter",
            "message": "Invalid parameter value detected",
            "debuginfo": "people => Missing required key",
        },
        status=400,
    )
    assert isinstance(err, InvalidParameter)
    assert (err.exception, err.message, err.debuginfo, err.status) == (
        "invalid_parameter_exception",
        "Invalid parameter value detected",
        "people => Missing required key",
        400,
    )
    assert str(err) == "invalidparameter: Invalid parameter value detected"


def test_token_php_shape_and_default_class() -> None:
    body = {
        "error": "Invalid login, please try again",
        "errorcode": "invalidlogin",
        "stacktrace": None,
        "debuginfo": None,
        "reproductionlink": None,
    }
    err = error_from_body(body, default=LoginFailed)
    assert isinstance(err, LoginFailed)
    assert err.message == "Invalid login, please try again"
    assert err.debuginfo is None
    unavailable = error_from_body({**body, "errorcode": "servicenotavailable"}, default=LoginFailed)
    assert type(unavailable) is LoginFailed


def test_batch_item_shape() -> None:
    err = error_from_body(
        {
            "message": "Can't find data record in database table external_functions.",
            "errorcode": "invalidrecord",
            "link": "",
            "moreinfourl": "https://docs.moodle.org/405/en/error/moodle/invalidrecord",
        }
    )
    assert isinstance(err, NotFound)
    assert err.exception is None


def test_malformed_bodies_still_give_an_error() -> None:
    err = error_from_body({"errorcode": 5, "message": None})
    assert type(err) is MoodleError
    assert err.errorcode == "unknownerror"
    assert err.message == "unknownerror"
