"""Moodle's core functions, packaged as an ordinary plugin (only the public plugin API).

Each component is its own :class:`Plugin`, so a worker can serve a subset of them
(``WS_COMPONENTS=mod_forum``). ``core_course`` carries the install hook that creates the
site's required data and, when ``WS_SEED`` is on, the demo site.
"""

from services.functions.plugins.core import activities, core_course_contents
from services.functions.plugins.core.batch import plugin as tool_mobile_batch
from services.functions.plugins.core.core_course import plugin as core_course
from services.functions.plugins.core.core_enrol import plugin as core_enrol
from services.functions.plugins.core.files import core_files, core_user_files
from services.functions.plugins.core.mobile import plugin as tool_mobile
from services.functions.plugins.core.site.seed import install_site
from services.functions.plugins.core.webservice import plugin as core_webservice

__all__ = ["plugins"]

del core_course_contents  # imported for the functions it registers on core_course
core_course.on_install(install_site)

plugins = [
    core_webservice,
    tool_mobile,
    core_course,
    core_enrol,
    *activities.plugins,
    core_files,
    core_user_files,
    tool_mobile_batch,
]
