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
    # Courses (raw call: moodlepy's wrapper takes no userid), then typed wrappers.
    courses = m("core_enrol_get_users_courses", userid=info.userid)
    out["courses"] = sorted(c["shortname"] for c in courses)
    astro = next(c["id"] for c in courses if c["shortname"] == "ASTRO101")
    sections = m.core.course.get_contents(astro)
    out["sections"] = [s.section for s in sections]
    out["modnames"] = sorted({mod.modname for s in sections for mod in s.modules})
    # A nested array: moodlepy sends courseids[0]=<id>. (Its typed get_assignments wrapper
    # declares ``configs`` as one object where Moodle returns a list, so the raw call is used.)
    assignments = m("mod_assign_get_assignments", courseids=[astro])
    out["assignments"] = [a["name"] for c in assignments["courses"] for a in c["assignments"]]
    xml = m("core_course_get_courses_by_field", "xml", field="shortname", value="ASTRO101")
    out["xml_head"] = xml.lstrip()[:60]
    out["xml_has_course"] = '<KEY name="shortname"><VALUE>ASTRO101</VALUE>' in xml
    try:
        m("core_course_get_contents", courseid=999999)
    except MoodleException as exc:
        out["missing_course"] = exc.errorcode
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
