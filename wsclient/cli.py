"""``wscall FUNCTION key=value ...``: call a web service function from a terminal.

Prints the result as indented JSON on stdout. An error is one line on stderr,
``errorcode: message`` (``-v`` adds the debug info), and exit status 1; usage errors exit 2.

    wscall core_webservice_get_site_info                        # WS_TOKEN from the environment
    wscall --login student local_greetings_say_hello 'people[0][firstname]=Ada' shout:=true
    export WS_TOKEN=$(wscall --login student --password-env PW --print-token)
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence
from typing import Any

import msgspec

from wsclient.client import DEFAULT_SERVICE, MoodleClient, Protocol
from wsclient.errors import MoodleError
from wsclient.pairs import PairError, parse_pairs

__all__ = ["build_parser", "main"]

DEFAULT_URL = "http://127.0.0.1:8000"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wscall",
        description="Call a Moodle web service function and print its JSON result.",
        epilog=(
            "Parameters: key=value sends a string, key:=json a JSON value (42, true, [1,2], "
            "{...}); keys take PHP brackets: courseids[0]=2 options[0][name]=x ids[]=5."
        ),
    )
    parser.add_argument("function", nargs="?", help="e.g. core_webservice_get_site_info")
    parser.add_argument("params", nargs="*", metavar="key=value", help="the function's parameters")
    parser.add_argument(
        "--url", default=os.environ.get("WS_URL", DEFAULT_URL), help="site URL (env WS_URL)"
    )
    parser.add_argument("--token", default=os.environ.get("WS_TOKEN"), help="token (env WS_TOKEN)")
    parser.add_argument("--login", metavar="USER", help="log in as USER first (asks the password)")
    parser.add_argument(
        "--password-env", metavar="VAR", help="read the --login password from this variable"
    )
    parser.add_argument(
        "--service",
        default=os.environ.get("WS_SERVICE", DEFAULT_SERVICE),
        help=f"service to log in to (env WS_SERVICE, default {DEFAULT_SERVICE})",
    )
    parser.add_argument("--api", action="store_true", help="use the JSON API instead of REST")
    parser.add_argument(
        "--print-token", action="store_true", help="print the token (after --login) and stop"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("-v", "--verbose", action="store_true", help="show errors' debug info")
    return parser


def _password(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if value is None:
            parser.error(f"--password-env: {args.password_env} is not set")
        return value
    return getpass.getpass(f"Password for {args.login}: ")


async def _run(args: argparse.Namespace, params: dict[str, Any], password: str | None) -> Any:
    protocol: Protocol = "api" if args.api else "rest"
    async with MoodleClient(
        args.url, token=args.token, protocol=protocol, timeout=args.timeout
    ) as client:
        if args.login:
            assert password is not None
            await client.login(args.login, password, args.service)
        if args.print_token:
            return client.token
        return await client.invoke(args.function, params)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one call; returns the exit status (0 ok, 1 error answered, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.print_token:
        if not args.login:
            parser.error("--print-token needs --login")
        if args.function:
            parser.error("--print-token takes no function")
    elif not args.function:
        parser.error("the function name is required")
    elif not args.login and not args.token:
        parser.error("no token: set WS_TOKEN, pass --token, or --login USER")
    try:
        params = parse_pairs(args.params)
    except PairError as exc:
        parser.error(str(exc))
    password = _password(parser, args) if args.login else None
    try:
        result = asyncio.run(_run(args, params, password))
    except MoodleError as exc:
        print(f"{exc.errorcode}: {exc.message}", file=sys.stderr)
        if args.verbose and exc.debuginfo:
            print(f"debuginfo: {exc.debuginfo}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if args.print_token:
        print(result)
    else:
        sys.stdout.write(msgspec.json.format(msgspec.json.encode(result), indent=2).decode())
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
