"""Runs inside the moodlepy virtual environment (not the project's): a real client session.

Usage: python moodlepy_session.py BASE_URL USERNAME PASSWORD
Prints one JSON object with what the client saw.
"""

import json
import sys

from moodle import Moodle
from moodle.exception import MoodleException


def main() -> None:
    base, username, password = sys.argv[1:4]
    m = Moodle.login(base, username, password)
    info = m.core.webservice.get_site_info()
    out = {
        "token_length": len(m.token),
        "userid": info.userid,
        "username": info.username,
        "version": info.version,
        "major": int(info.version.split(".")[0]),
        "functions": sorted(f.name for f in info.functions),
    }
    raw = m("core_webservice_get_site_info")
    out["raw_sitename"] = raw["sitename"]
    try:
        m("core_webservice_get_site_info", bogus="1")
    except MoodleException as exc:
        out["error"] = {"errorcode": exc.errorcode, "message": exc.message}
    bad = Moodle(m.url, "0" * 32)
    try:
        bad("core_webservice_get_site_info")
    except MoodleException as exc:
        out["badtoken"] = exc.errorcode
    print(json.dumps(out))


if __name__ == "__main__":
    main()
