"""PARAM types accept/reject table (spec §1.3, §1.4), through every validator, both modes."""

from __future__ import annotations

from typing import Any

import pytest

from shared.errors import InvalidParameterException
from shared.external import (
    PARAM_ACTION,
    PARAM_CLEANFILE,
    PARAM_FORMAT,
    PARAM_INTEGER,
    PARAM_MULTILANG,
    PARAM_NUMBER,
    PARAM_URL,
    ExternalValue,
    clean_param,
    configure,
    validate_param,
)
from shared.external.constants import PARAM_TYPES
from shared.external.php import php_str
from tests.external.conftest import MODES, clean_all, validate_all

LANG_OK = '<lang lang="en">Hello</lang><lang lang="fr">Bonjour</lang>'
SPAN_OK = (
    '<span lang="en" class="multilang">Hi</span><span class="multilang" lang="fr">Salut</span>'
)

# (type, value, cleaned) — validation accepts the value and returns exactly ``cleaned``.
ACCEPT: list[tuple[str, Any, Any]] = [
    ("int", "6", 6), ("int", 6, 6), ("int", -3, -3), ("int", "-3", -3), ("int", 6.0, 6),
    ("int", True, 1), ("int", "0", 0), ("int", 2**63 - 1, 2**63 - 1),
    ("int", "-9223372036854775808", -(2**63)), ("int", "9223372036854775807", 2**63 - 1),
    ("float", "1.5", 1.5), ("float", ".5", 0.5), ("float", "5.", 5.0), ("float", "1e3", 1000.0),
    ("float", "1E3", 1000.0), ("float", "-2", -2.0), ("float", 5, 5.0), ("float", 1.25, 1.25),
    ("float", "+.5", 0.5),
    ("bool", True, True), ("bool", False, False), ("bool", 0, False), ("bool", 1, True),
    ("bool", "0", False), ("bool", "1", True), ("bool", 1.0, 1), ("bool", 0.0, 0),
    ("raw", "a<b>c</b> & ' \"", "a<b>c</b> & ' \""), ("raw", 5, 5), ("raw", 1.5, 1.5),
    ("raw", "", ""), ("raw", "ünïcödé ✓", "ünïcödé ✓"),
    ("raw_trimmed", "a b", "a b"), ("raw_trimmed", 5, "5"),
    ("text", "hello world", "hello world"), ("text", "a < b", "a < b"), ("text", "a > b", "a > b"),
    ("text", LANG_OK, LANG_OK), ("text", SPAN_OK, SPAN_OK), ("text", 5, "5"),
    ("text", "Tom & Jerry", "Tom & Jerry"), ("text", "", ""),
    ("notags", "plain text", "plain text"), ("notags", "a < b", "a < b"),
    ("alpha", "abcXYZ", "abcXYZ"), ("alpha", "", ""),
    ("alphaext", "a_b-c", "a_b-c"),
    ("alphanum", "abc123", "abc123"), ("alphanum", 666, "666"),
    ("alphanumext", "a_b-1", "a_b-1"),
    ("sequence", "1,2,3", "1,2,3"), ("sequence", "", ""),
    ("safedir", "my_dir-1", "my_dir-1"),
    ("safepath", "a/b_c-d", "a/b_c-d"),
    ("file", "file.txt", "file.txt"), ("file", "a b.txt", "a b.txt"),
    ("path", "/a/b/", "/a/b/"), ("path", "/", "/"), ("path", "./a.txt", "./a.txt"),
    ("path", "a/b.txt", "a/b.txt"),
    ("url", "http://google.com/", "http://google.com/"),
    ("url", "https://some.very.long.and.silly.domain/with/a/path/",
     "https://some.very.long.and.silly.domain/with/a/path/"),
    ("url", "http://0.255.1.1/numericip.php", "http://0.255.1.1/numericip.php"),
    ("url", "/just/a/path", "/just/a/path"), ("url", "www.example.com", "www.example.com"),
    ("url", "http://example.com:8080/p?q=1&r=a%20b#frag", "http://example.com:8080/p?q=1&r=a%20b#frag"),
    ("url", "", ""),
    ("email", "user@example.com", "user@example.com"),
    ("email", "first.last+tag@sub.example.org", "first.last+tag@sub.example.org"),
    ("email", "", ""),
    ("username", "john", "john"), ("username", "john.doe@x_y-1", "john.doe@x_y-1"),
    ("plugin", "forum", "forum"), ("plugin", "quiz_overview", "quiz_overview"),
    ("plugin", "", ""), ("area", "intro", "intro"), ("theme", "boost", "boost"),
    ("auth", "manual", "manual"),
    ("component", "mod_forum", "mod_forum"), ("component", "core_course", "core_course"),
    ("component", "forum", "forum"), ("component", "block_online_users", "block_online_users"),
    ("tag", "tag", "tag"), ("tag", "two words", "two words"), ("tag", "x" * 50, "x" * 50),
    ("tag", "a,b", "a,b"),
    ("taglist", "a,b,c", "a,b,c"), ("taglist", "", ""),
    ("permission", 0, 0), ("permission", 1, 1), ("permission", -1, -1),
    ("permission", "-1000", -1000),
    ("timezone", "Europe/London", "Europe/London"), ("timezone", "99", "99"),
    ("timezone", "5.5", "5.5"), ("timezone", "-3", "-3"), ("timezone", "UTC", "UTC"),
    ("timezone", "America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ("timezone", 5, 5),
    ("stringid", "pluginname", "pluginname"),
    ("stringid", "error:foo/bar.baz", "error:foo/bar.baz"),
    ("host", "moodle.org", "moodle.org"), ("host", "192.168.1.1", "192.168.1.1"),
    ("host", "localhost", "localhost"),
    ("base64", "QUJD", "QUJD"), ("base64", "", ""),
    ("base64", "a" * 64 + "\n" + "QUJD", "a" * 64 + "\n" + "QUJD"),
    ("lang", "en", "en"), ("lang", "pt_br", "pt_br"),
    ("capability", "moodle/course:view", "moodle/course:view"),
    ("capability", "mod/forum:addpost", "mod/forum:addpost"),
    ("cleanhtml", "<p>Hi</p>", "<p>Hi</p>"),
    ("localisedfloat", "1.5", 1.5),
]  # fmt: skip

# (type, value) — validation rejects the value.
REJECT: list[tuple[str, Any]] = [
    ("int", "6a"), ("int", " 6"), ("int", "06"), ("int", "+5"), ("int", "-0"), ("int", "1e3"),
    ("int", 6.5), ("int", False), ("int", ""), ("int", "abc"), ("int", "9223372036854775808"),
    ("int", 2**63), ("int", 1e20), ("int", "6 "),
    ("float", "1,5"), ("float", " 1"), ("float", ""), ("float", "abc"), ("float", "0x1A"),
    ("float", True), ("float", "1.5 "), ("float", "."), ("float", "e3"), ("float", "inf"),
    ("bool", "true"), ("bool", "false"), ("bool", "yes"), ("bool", ""), ("bool", 2), ("bool", "2"),
    ("bool", -1), ("bool", 0.5),
    ("raw", "a\x00b"), ("raw", "\ud800"),
    ("raw_trimmed", " a"), ("raw_trimmed", "a\n"),
    ("text", "<b>bold</b>"), ("text", '<lang lang="en">Hi'), ("text", "a<b"), ("text", "1<2"),
    ("text", '<lang lang="en">Hi</lang><b>x</b>'), ("text", "</lang>"),
    ("text", '<span lang="en">Hi</span>'), ("text", "<!-- c -->x"),
    ("notags", "<i>x</i>"), ("notags", "a<br/>b"),
    ("alpha", "abc1"), ("alpha", 666), ("alpha", "a b"), ("alpha", True),
    ("alphaext", "a1"), ("alphanum", "a_b"), ("alphanumext", "a.b"), ("alphanumext", "a b"),
    ("sequence", "1, 2"), ("sequence", "1;2"),
    ("safedir", "a/b"), ("safedir", "a.b"), ("safepath", "a/../b"),
    ("file", "a/b.txt"), ("file", ".."), ("file", "."), ("file", "a:b"), ("file", "\x01"),
    ("file", "a\\b"),
    ("path", "/a//b"), ("path", "a\\b"), ("path", "/../"), ("path", "/a/./b"),
    ("url", "http://localhost/"), ("url", "funny:thing"), ("url", 'http://example.ee/sdsf"f'),
    ("url", "javascript://comment%0Aalert(1)"), ("url", "rtmp://example.com/livestream"),
    ("url", "mailto:support@moodle.org"), ("url", "http://user:pw@example.com/"),
    ("url", "http://exa mple.com/"), ("url", "0"),
    ("email", "user@localhost"), ("email", "not an email"), ("email", "a@b@c.com"),
    ("email", "<a@b.com>"), ("email", "a..b@example.com"),
    ("username", "John"), ("username", " john"), ("username", "jo hn"), ("username", "jöhn"),
    ("plugin", "a"), ("plugin", "Forum"), ("plugin", "for__um"), ("plugin", "forum_"),
    ("plugin", "1forum"), ("area", "Intro"), ("theme", "Boost"),
    ("component", "Mod_forum"), ("component", "mod_for_um"), ("component", "mod__forum"),
    ("component", "core__x"), ("component", "x"),
    ("tag", " tag "), ("tag", "a  b"), ("tag", "a<b"), ("tag", "x" * 51), ("tag", "a`b"),
    ("taglist", "a,,b"), ("taglist", "a, b"),
    ("permission", 2), ("permission", "abc"), ("permission", -2),
    ("timezone", "13.5"), ("timezone", "Etc/GMT+5"), ("timezone", "bad zone"),
    ("stringid", "1abc"), ("stringid", "a b"),
    ("host", "256.1.1.1"), ("host", "-bad.com"), ("host", "bad.com."), ("host", "a b"),
    ("base64", "a" * 65), ("base64", "QU JD"), ("base64", "@@"),
    ("lang", "EN"), ("lang", "en-us"), ("lang", "english!"),
    ("capability", "nonsense"), ("capability", "Moodle/course:view"),
    ("cleanhtml", " <p>Hi</p>"), ("cleanhtml", "<script>x</script>y"),
    ("localisedfloat", "abc"), ("localisedfloat", "1.50"),
    ("pem", "not a certificate"),
]  # fmt: skip


def _same(left: Any, right: Any) -> bool:
    return type(left) is type(right) and left == right


@pytest.mark.parametrize("developer", MODES)
@pytest.mark.parametrize(("ptype", "value", "cleaned"), ACCEPT)
def test_accepted(ptype: str, value: Any, cleaned: Any, developer: bool) -> None:
    desc = ExternalValue(ptype)
    for run in (validate_all, clean_all):
        status, result = run(desc, value, developer=developer)
        assert status == "ok", result
        assert _same(result, cleaned), (result, cleaned)
    if ptype != "bool":  # the BOOL fast path belongs to the description validators only
        assert _same(validate_param(value, ptype), cleaned)


@pytest.mark.parametrize("developer", MODES)
@pytest.mark.parametrize(("ptype", "value"), REJECT)
def test_rejected(ptype: str, value: Any, developer: bool) -> None:
    desc = ExternalValue(ptype)
    shown = php_str(value)
    status, error = validate_all(desc, value, developer=developer)
    debuginfo = (
        f'Invalid external api parameter: the value is "{shown}", '
        f'the server was expecting "{ptype}" type'
    )
    message = "Invalid parameter value detected"
    expected = (message + f" ({debuginfo})") if developer else message
    assert (status, error) == (
        "error",
        ("InvalidParameterException", "invalidparameter", expected, debuginfo),
    )
    status, error = clean_all(desc, value, developer=developer)
    assert status == "error"
    assert error[0] == "InvalidResponseException"
    assert error[1] == "invalidresponse"
    assert error[3].startswith(f'Invalid external api response: the value is "{shown}" of PHP type')
    with pytest.raises(InvalidParameterException):
        validate_param(value, ptype)


def test_every_type_is_covered() -> None:
    covered = {ptype for ptype, *_ in ACCEPT} | {ptype for ptype, _ in REJECT}
    assert covered >= PARAM_TYPES - {"clean", "pem", "localurl"}


def test_aliases_have_the_target_values() -> None:
    assert (PARAM_INTEGER, PARAM_NUMBER, PARAM_ACTION, PARAM_FORMAT) == (
        "int",
        "float",
        "alphanumext",
        "alphanumext",
    )
    assert (PARAM_MULTILANG, PARAM_CLEANFILE) == ("text", "file")


@pytest.mark.parametrize(
    ("ptype", "value", "cleaned"),
    [
        ("int", "6a", 6),
        ("int", " 12 ", 12),
        ("int", "1e3", 1000),
        ("int", "9223372036854775808", 2**63 - 1),
        ("int", 1e20, 7766279631452241920),
        ("int", "abc", 0),
        ("float", "1.5abc", 1.5),
        ("bool", "yes", 1),
        ("bool", "Off", 0),
        ("bool", "anything", 1),
        ("bool", "", 0),
        ("text", "<b>bold</b> text", "bold text"),
        ("text", '<lang lang="en">a</lang><b>x</b>', '<lang lang="en">a</lang>x'),
        ("notags", "a<br/>b", "ab"),
        ("alphanumext", "a.b c", "abc"),
        ("file", "../etc/passwd", "..etcpasswd"),
        ("path", "a\\b//c/./d", "a/b/c/d"),
        ("path", "/../", "/"),
        ("url", "http://localhost/", ""),
        ("username", " John Doe ", "johndoe"),
        ("tag", "  many   spaces\there ", "many spaceshere"),  # cntrl removed first
        ("taglist", "a, ,b,", "a,b"),
        ("permission", 5, 0),
        ("component", "mod_for_um", ""),
        ("base64", "QU JD", ""),
        ("base64", "\x0c", ""),
        ("host", "a b.com", "ab.com"),
        ("raw", "a\x00b\ufffe", "ab"),
    ],
)
def test_clean_param(ptype: str, value: Any, cleaned: Any) -> None:
    assert _same(clean_param(value, ptype), cleaned)


def test_localurl(wwwroot: str) -> None:
    desc = ExternalValue("localurl")
    for value in (
        "/course/view.php?id=2",
        wwwroot,
        wwwroot + "/course/view.php?id=2",
        "view.php?id=2",
    ):
        assert validate_all(desc, value, developer=False) == ("ok", value)
    for value in ("http://evil.example.org/x", "javascript:alert(1)"):
        assert validate_all(desc, value, developer=False)[0] == "error"
    assert clean_param("/x", "localurl", wwwroot="http://other.example.org") == "/x"
    assert clean_param("http://a.example.org/x", "localurl", wwwroot="http://a.example.org") != ""


def test_clean_param_rejects_misuse() -> None:
    with pytest.raises(TypeError):
        clean_param([1], "int")
    with pytest.raises(ValueError, match="Unknown param type"):
        clean_param(1, "integerish")


def test_validate_param_null_handling() -> None:
    assert validate_param(None, "int", True) is None
    with pytest.raises(InvalidParameterException) as caught:
        validate_param(None, "int", False, "dbg", developer=True)
    assert caught.value.message == "Invalid parameter value detected (dbg)"
    with pytest.raises(InvalidParameterException):
        validate_param({"a": 1}, "raw", True, "dbg")


def test_site_urls_pass_param_url_even_on_a_dotless_host() -> None:
    """A site served from http://localhost:8000 must be able to return its own URLs."""
    from shared.external.cleaners import site  # noqa: PLC0415

    saved = (site.wwwroot, site.own_urls)
    try:
        assert clean_param("http://localhost:8000/theme/x", PARAM_URL) == ""
        configure(wwwroot="http://localhost:8000/")
        assert clean_param("http://localhost:8000/theme/x", PARAM_URL) == (
            "http://localhost:8000/theme/x"
        )
        assert clean_param("http://localhost:8000", PARAM_URL) == "http://localhost:8000"
        assert clean_param("http://localhost:8001/x", PARAM_URL) == ""
        assert clean_param("http://localhost/", PARAM_URL) == ""
    finally:
        site.wwwroot, site.own_urls = saved
