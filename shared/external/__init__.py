"""Moodle's function description language and its validators.

Descriptions (:class:`ExternalValue`, :class:`ExternalSingleStructure`,
:class:`ExternalMultipleStructure`, :class:`ExternalFunctionParameters` and the helpers
:class:`ExternalWarnings`, :class:`ExternalFiles`, :class:`ExternalFormatValue`) mirror Moodle's
``external_*`` classes with the same constructor signatures and defaults (spec §1.2).

JSON form (the catalog format; :func:`description_to_dict` / :func:`description_from_dict`)::

    {"type": "value", "param": "int", "required": 1, "default": null, "allownull": true, "desc": ""}
    {"type": "single", "keys": {...}, "desc": "", "required": 1, "default": null,
     "allownull": false}
    {"type": "multiple", "content": {...}, "desc": "", "required": 1, "default": null,
     "allownull": false}
    {"type": "function_parameters", "keys": {...}, "desc": "", "required": 1, "default": null,
     "allownull": false}

``function_parameters`` validates like ``single`` but its cleaned value is always a dict (``{}``
when no key is present), being the argument mapping of a call; any other empty single
structure cleans to ``[]`` like PHP's empty array. Warnings, files and format values are written
in their expanded ``multiple``/``value`` form; reading them back gives the base classes with
identical validation. Malformed JSON forms raise :class:`DescriptionError` (a ``ValueError``).

Values follow PHP's model: ``dict``/``list``/``tuple`` are arrays (a list has keys 0..n-1),
``None``/``bool``/``int``/``float``/``str`` scalars, anything else an object (accepted only where
Moodle accepts objects: output single structures, read through their public fields).

Validation: :func:`validate_parameters` / :func:`clean_returnvalue` are the reference
implementations of Moodle's algorithms; :func:`compile_parameters` / :func:`compile_returns`
build equivalent closures once per description for the hot path. Errors are
:class:`~shared.errors.InvalidParameterException` / ``InvalidResponseException`` with Moodle's
debuginfo texts; ``developer=True`` selects Moodle's developer message mode.

Site-dependent PARAM rules (LOCALURL's wwwroot, USERNAME's extended characters) read the
settings given to :func:`configure` (default wwwroot ``http://localhost``). Types that need a
Moodle installation (lang, theme, auth, capability, cleanhtml, localisedfloat) use the closest
installation-free rule, documented in :mod:`shared.external.cleaners`.
"""

from shared.external.cleaners import clean_param, configure, validate_param
from shared.external.compiler import Validator, compile_parameters, compile_returns
from shared.external.constants import *  # noqa: F403
from shared.external.constants import __all__ as _constants
from shared.external.interpret import clean_returnvalue, validate_parameters
from shared.external.model import (
    Description,
    DescriptionError,
    ExternalDescription,
    ExternalFiles,
    ExternalFormatValue,
    ExternalFunctionParameters,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
    ExternalWarnings,
    description_from_dict,
    description_to_dict,
)
from shared.external.xml import render_xml, render_xml_error

__all__ = [  # noqa: PLE0604
    *_constants,
    "Description",
    "DescriptionError",
    "ExternalDescription",
    "ExternalFiles",
    "ExternalFormatValue",
    "ExternalFunctionParameters",
    "ExternalMultipleStructure",
    "ExternalSingleStructure",
    "ExternalValue",
    "ExternalWarnings",
    "Validator",
    "clean_param",
    "clean_returnvalue",
    "compile_parameters",
    "compile_returns",
    "configure",
    "description_from_dict",
    "description_to_dict",
    "render_xml",
    "render_xml_error",
    "validate_param",
    "validate_parameters",
]
