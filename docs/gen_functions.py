"""Print docs/functions.md from the core plugin's declarations (run from the repo root)."""

from __future__ import annotations

from services.functions.plugins.core import plugins

HEADER = """# Core functions

The functions the core plugin (`services/functions/plugins/core`) declares, one component per
`Plugin`, with Moodle 4.5's parameters, returns and errors. *Mobile*: in the built-in
`moodle_mobile_app` service (the others go in a service an administrator creates, as in
Moodle); *AJAX*: callable through `lib/ajax/service.php`; *Login* "no": callable without a
session. The exact description of every parameter and return value is served by the
gateway's generated API documentation.

Regenerate with `.venv/bin/python docs/gen_functions.py > docs/functions.md`.

| Component | Function | Type | AJAX | Mobile | Login | Description |
|---|---|---|---|---|---|---|"""


def main() -> None:
    rows = []
    for plugin in plugins:
        for name, fdef in plugin.functions.items():
            info = fdef.info
            rows.append(
                (
                    info.component,
                    f"`{name}`",
                    info.type,
                    "yes" if info.ajax else "",
                    "yes" if "moodle_mobile_app" in info.services else "",
                    "" if info.loginrequired else "no",
                    info.description.split("\n")[0].replace("|", "\\|"),
                )
            )
    print(HEADER)
    for row in sorted(rows):
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
