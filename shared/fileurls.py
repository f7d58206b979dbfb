"""``@@PLUGINFILE@@`` placeholders and file URLs in results (reference §5.3).

Text stored with files embedded refers to them as ``@@PLUGINFILE@@/name.png``; a web-service
answer rewrites that to ``<wwwroot>/webservice/pluginfile.php/<ctx>/<component>/<area>/[<item>/]``
(``pluginfile.php`` under AJAX) unless the client sent ``moodlewssettingfileurl=0``.
"""

from __future__ import annotations

from urllib.parse import quote

import msgspec

from shared.wire import CallSettings

__all__ = ["PLUGINFILE", "FileArea", "file_url", "rewrite_pluginfile_urls"]

PLUGINFILE = "@@PLUGINFILE@@"


class FileArea(msgspec.Struct, frozen=True):
    """Where files live: Moodle's (context, component, file area, item id)."""

    contextid: int
    component: str
    filearea: str
    #: None leaves the item segment out of URLs (areas such as a module's ``intro``).
    itemid: int | None = 0

    def url(self, wwwroot: str, settings: CallSettings) -> str:
        base = f"{wwwroot.rstrip('/')}/{settings.file}/{self.contextid}/{self.component}"
        base += f"/{self.filearea}/"
        return base if self.itemid is None else f"{base}{self.itemid}/"


def file_url(
    wwwroot: str, settings: CallSettings, area: FileArea, filepath: str, filename: str
) -> str:
    """The URL a client downloads a stored file from (the client appends its token)."""
    return area.url(wwwroot, settings) + quote(filepath.lstrip("/")) + quote(filename)


def rewrite_pluginfile_urls(text: str, wwwroot: str, settings: CallSettings, area: FileArea) -> str:
    """Replace ``@@PLUGINFILE@@/`` with the area's URL, unless ``fileurl`` is off."""
    if not settings.fileurl or PLUGINFILE not in text:
        return text
    return text.replace(PLUGINFILE + "/", area.url(wwwroot, settings))
