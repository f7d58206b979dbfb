"""Moodle's core functions, packaged as an ordinary plugin (only the public plugin API)."""

from services.functions.plugins.core.mobile import plugin as tool_mobile
from services.functions.plugins.core.webservice import plugin as core_webservice

__all__ = ["plugins"]

plugins = [core_webservice, tool_mobile]
