"""Moodle's core functions, packaged as an ordinary plugin (only the public plugin API)."""

from services.functions.plugins.core.files import core_files, core_user_files
from services.functions.plugins.core.mobile import plugin as tool_mobile
from services.functions.plugins.core.webservice import plugin as core_webservice

__all__ = ["plugins"]

plugins = [core_webservice, tool_mobile, core_files, core_user_files]
