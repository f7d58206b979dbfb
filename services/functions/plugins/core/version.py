"""The Moodle release this platform presents itself as (clients feature-gate on it)."""

#: ``$CFG->release``: shown in site info.
MOODLE_RELEASE = "4.5.1 (Build: 20241209)"
#: ``$CFG->version``: a string, clients do ``int(version.split('.')[0])``.
MOODLE_VERSION = "2024100701.00"
