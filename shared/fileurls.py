"""``@@PLUGINFILE@@`` placeholders and file URLs in results (reference §5.3).

Text stored with files embedded refers to them as ``@@PLUGINFILE@@/name.png``; a web-service
answer rewrites that to ``<wwwroot>/webservice/pluginfile.php/<ctx>/<component>/<area>/[<item>/]``
(``pluginfile.php`` under AJAX) unless the client sent ``moodlewssettingfileurl=0``.
"""

from __future__ import annotations

from urllib.parse import quote

from shared.wire import CallSettings

__all__ = ["PLUGINFILE", "file_url", "rewrite_pluginfile_urls"]

PLUGINFILE = "@@PLUGINFILE@@"


def _area_url(
    wwwroot: str, script: str, contextid: int, component: str, filearea: str, itemid: int | None
) -> str:
    base = f"{wwwroot.rstrip('/')}/{script}/{contextid}/{component}/{filearea}/"
    return base if itemid is None else f"{base}{itemid}/"


def file_url(
    wwwroot: str,
    settings: CallSettings,
    contextid: int,
    component: str,
    filearea: str,
    itemid: int | None,
    filepath: str,
    filename: str,
) -> str:
    """The URL a client downloads a stored file from (the client appends its token)."""
    area = _area_url(wwwroot, settings.file, contextid, component, filearea, itemid)
    return area + quote(filepath.lstrip("/")) + quote(filename)


def rewrite_pluginfile_urls(
    text: str,
    wwwroot: str,
    settings: CallSettings,
    contextid: int,
    component: str,
    filearea: str,
    itemid: int | None,
) -> str:
    """Replace ``@@PLUGINFILE@@/`` with the area's URL, unless ``fileurl`` is off.

    ``itemid`` None leaves the item segment out (areas such as a module's ``intro``).
    """
    if not settings.fileurl or PLUGINFILE not in text:
        return text
    area = _area_url(wwwroot, settings.file, contextid, component, filearea, itemid)
    return text.replace(PLUGINFILE + "/", area)
