"""Moodle's core functions, packaged as an ordinary plugin (only the public plugin API).

Each component is its own :class:`Plugin`, so a worker can serve a subset of them
(``WS_COMPONENTS=mod_forum``). ``core_course`` carries the install hook that creates the
site's required data and, when ``WS_SEED`` is on, the demo site.
"""

from services.functions.plugins.core import activities, core_course_contents, core_enrol_users
from services.functions.plugins.core.batch import plugin as tool_mobile_batch
from services.functions.plugins.core.core_calendar import plugin as core_calendar
from services.functions.plugins.core.core_course import plugin as core_course
from services.functions.plugins.core.core_enrol import plugin as core_enrol
from services.functions.plugins.core.core_message import plugin as core_message
from services.functions.plugins.core.core_user import plugin as core_user
from services.functions.plugins.core.enrol_manual import plugin as enrol_manual
from services.functions.plugins.core.files import core_files, core_user_files
from services.functions.plugins.core.mobile import plugin as tool_mobile
from services.functions.plugins.core.mod_assign import plugin as mod_assign
from services.functions.plugins.core.mod_forum import plugin as mod_forum
from services.functions.plugins.core.progress import completion as core_completion
from services.functions.plugins.core.progress import gradereport as gradereport_user
from services.functions.plugins.core.site.seed import install_site
from services.functions.plugins.core.webservice import plugin as core_webservice

__all__ = ["plugins"]

del core_course_contents, core_enrol_users  # imported for the functions they register
core_course.on_install(install_site)

plugins = [
    core_webservice,
    tool_mobile,
    core_course,
    core_enrol,
    core_user,
    enrol_manual,
    *activities.plugins,
    mod_assign,
    mod_forum,
    core_calendar,
    core_completion,
    gradereport_user,
    core_message,
    core_files,
    core_user_files,
    tool_mobile_batch,
]
