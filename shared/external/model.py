"""Description classes (spec §1.2) and their JSON form (the catalog format).

JSON form, one object per description, keys always in this order::

    {"type": "value", "param": "int", "required": 1, "default": null, "allownull": true, "desc": ""}
    {"type": "single", "keys": {"name": {...}, ...}, "desc": "", "required": 1, "default": null,
     "allownull": false}
    {"type": "multiple", "content": {...}, "desc": "", "required": 1, "default": null,
     "allownull": false}
    {"type": "function_parameters", "keys": {...}, "desc": "", "required": 1, "default": null,
     "allownull": false}

``required`` is Moodle's integer (1 REQUIRED, 2 OPTIONAL, 0 DEFAULT). ``keys`` keeps declaration
order, which is the order of cleaned output. ``function_parameters`` is a single structure
whose cleaned value is always a dict (``{}`` when empty, never ``[]``) because it is the
argument mapping of a call, not a rendered value. :class:`ExternalWarnings`,
:class:`ExternalFiles` and :class:`ExternalFormatValue` are written in their expanded form
(``multiple``/``value``) and read back as the base classes, with identical validation.
Missing fields take the constructor defaults on reading; unknown fields, unknown PARAM types and
ill-typed fields raise :class:`DescriptionError`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, TypeAlias

from shared.external import constants as c

__all__ = [
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
    "description_from_dict",
    "description_to_dict",
]

logger = logging.getLogger(__name__)


class DescriptionError(ValueError):
    """A description (or its JSON form) is malformed."""


class ExternalDescription:
    """Common fields of every description (Moodle's abstract ``external_description``)."""

    __slots__ = ("allownull", "default", "desc", "required")

    def __init__(self, desc: str, required: int, default: Any, allownull: bool) -> None:
        if type(required) is not int or required not in (0, 1, 2):
            # Moodle only emits a developer debugging message and keeps the bad value.
            logger.warning(
                "Invalid $required parameter value: '%s' . It must be either VALUE_DEFAULT, "
                "VALUE_REQUIRED, or VALUE_OPTIONAL",
                required,
            )
        self.desc = desc
        self.required = required
        self.default = default
        self.allownull = allownull

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see the module docstring)."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExternalDescription):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return f"{type(self).__name__}.from_dict({self.to_dict()!r})"


class ExternalValue(ExternalDescription):
    """A scalar of one PARAM type. Scalars allow null by default (unlike structures)."""

    __slots__ = ("type",)

    def __init__(
        self,
        type: str,  # Moodle's name for it
        desc: str = "",
        required: int = c.VALUE_REQUIRED,
        default: Any = None,
        allownull: bool = c.NULL_ALLOWED,
    ) -> None:
        if type not in c.PARAM_TYPES:
            raise DescriptionError(f"Unknown PARAM type {type!r}")
        super().__init__(desc, required, default, allownull)
        self.type = type

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "value",
            "param": self.type,
            "required": self.required,
            "default": self.default,
            "allownull": self.allownull,
            "desc": self.desc,
        }


class ExternalSingleStructure(ExternalDescription):
    """An associative array with described keys, in declaration order."""

    __slots__ = ("keys",)
    _KIND = "single"

    def __init__(
        self,
        keys: Mapping[str, Description],
        desc: str = "",
        required: int = c.VALUE_REQUIRED,
        default: Any = None,
        allownull: bool = c.NULL_NOT_ALLOWED,
    ) -> None:
        super().__init__(desc, required, default, allownull)
        for name, sub in keys.items():
            if not isinstance(name, str) or not isinstance(sub, ExternalDescription):
                raise DescriptionError(f"Bad key {name!r} in a single structure")
        self.keys: dict[str, Description] = dict(keys)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self._KIND,
            "keys": {name: sub.to_dict() for name, sub in self.keys.items()},
            "desc": self.desc,
            "required": self.required,
            "default": self.default,
            "allownull": self.allownull,
        }


class ExternalFunctionParameters(ExternalSingleStructure):
    """A function's top-level parameters; never null; cleans to a dict, ``{}`` when empty."""

    __slots__ = ()
    _KIND = "function_parameters"

    def __init__(
        self,
        keys: Mapping[str, Description],
        desc: str = "",
        required: int = c.VALUE_REQUIRED,
        default: Any = None,
    ) -> None:
        super().__init__(keys, desc, required, default, c.NULL_NOT_ALLOWED)
        # Top-level values are passed positionally: an absent optional would shift arguments.
        for name, sub in self.keys.items():
            if isinstance(sub, ExternalValue) and sub.required == c.VALUE_OPTIONAL:
                logger.debug(
                    "External function parameters: invalid OPTIONAL value specified. (%s)", name
                )


class ExternalMultipleStructure(ExternalDescription):
    """A list whose items all match ``content``."""

    __slots__ = ("content",)

    def __init__(
        self,
        content: Description,
        desc: str = "",
        required: int = c.VALUE_REQUIRED,
        default: Any = None,
        allownull: bool = c.NULL_NOT_ALLOWED,
    ) -> None:
        if not isinstance(content, ExternalDescription):
            raise DescriptionError("The content of a multiple structure must be a description")
        super().__init__(desc, required, default, allownull)
        self.content: Description = content

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "multiple",
            "content": self.content.to_dict(),
            "desc": self.desc,
            "required": self.required,
            "default": self.default,
            "allownull": self.allownull,
        }


class ExternalWarnings(ExternalMultipleStructure):
    """Moodle's standard optional ``warnings`` list."""

    __slots__ = ()

    def __init__(
        self,
        itemdesc: str = "item",
        itemiddesc: str = "item id",
        warningcodedesc: str = (
            "the warning code can be used by the client app to implement specific behaviour"
        ),
    ) -> None:
        item = ExternalSingleStructure(
            {
                "item": ExternalValue(c.PARAM_TEXT, itemdesc, c.VALUE_OPTIONAL),
                "itemid": ExternalValue(c.PARAM_INT, itemiddesc, c.VALUE_OPTIONAL),
                "warningcode": ExternalValue(c.PARAM_ALPHANUM, warningcodedesc),
                "message": ExternalValue(
                    c.PARAM_RAW, "untranslated english message to explain the warning"
                ),
            },
            "warning",
        )
        super().__init__(item, "list of warnings", c.VALUE_OPTIONAL)


class ExternalFiles(ExternalMultipleStructure):
    """Moodle's standard list of file descriptions."""

    __slots__ = ()

    def __init__(self, desc: str = "List of files.", required: int = c.VALUE_REQUIRED) -> None:
        opt = c.VALUE_OPTIONAL
        item = ExternalSingleStructure(
            {
                "filename": ExternalValue(c.PARAM_FILE, "File name.", opt),
                "filepath": ExternalValue(c.PARAM_PATH, "File path.", opt),
                "filesize": ExternalValue(c.PARAM_INT, "File size.", opt),
                "fileurl": ExternalValue(c.PARAM_URL, "Downloadable file url.", opt),
                "timemodified": ExternalValue(c.PARAM_INT, "Time modified.", opt),
                "mimetype": ExternalValue(c.PARAM_RAW, "File mime type.", opt),
                "isexternalfile": ExternalValue(c.PARAM_BOOL, "Whether is an external file.", opt),
                "repositorytype": ExternalValue(
                    c.PARAM_PLUGIN, "The repository type for external files.", opt
                ),
            },
            "File.",
        )
        super().__init__(item, desc, required)


class ExternalFormatValue(ExternalValue):
    """The ``<field>format`` companion of a text field: an INT, FORMAT_HTML by default."""

    __slots__ = ()

    def __init__(
        self, textfieldname: str, required: int = c.VALUE_REQUIRED, default: Any = None
    ) -> None:
        if default is None and required == c.VALUE_DEFAULT:
            default = c.FORMAT_HTML
        # The unbalanced parenthesis is Moodle's.
        desc = (
            f"{textfieldname} format ({c.FORMAT_HTML} = HTML, {c.FORMAT_MOODLE} = MOODLE, "
            f"{c.FORMAT_PLAIN} = PLAIN, or {c.FORMAT_MARKDOWN} = MARKDOWN"
        )
        super().__init__(c.PARAM_INT, desc, required, default)


Description: TypeAlias = ExternalValue | ExternalSingleStructure | ExternalMultipleStructure


def description_to_dict(description: Description) -> dict[str, Any]:
    """The JSON form of a description."""
    return description.to_dict()


_COMMON = ("desc", "required", "default", "allownull")
_FIELDS = {
    "value": frozenset({"type", "param", *_COMMON}),
    "single": frozenset({"type", "keys", *_COMMON}),
    "function_parameters": frozenset({"type", "keys", *_COMMON}),
    "multiple": frozenset({"type", "content", *_COMMON}),
}


def _common(data: Mapping[str, Any], path: str, allownull: bool) -> dict[str, Any]:
    fields = {
        "desc": data.get("desc", ""),
        "required": data.get("required", c.VALUE_REQUIRED),
        "default": data.get("default"),
        "allownull": data.get("allownull", allownull),
    }
    if not isinstance(fields["desc"], str):
        raise DescriptionError(f"{path}: 'desc' must be a string")
    if type(fields["required"]) is not int or fields["required"] not in (0, 1, 2):
        raise DescriptionError(f"{path}: 'required' must be 0, 1 or 2")
    if type(fields["allownull"]) is not bool:
        raise DescriptionError(f"{path}: 'allownull' must be a boolean")
    return fields


_MAX_DEPTH = 64


def _from_dict(data: Any, path: str, depth: int = 0) -> Description:
    if depth > _MAX_DEPTH:
        raise DescriptionError(f"{path}: nested deeper than {_MAX_DEPTH} levels")
    if not isinstance(data, Mapping):
        raise DescriptionError(f"{path}: a description must be an object, got {data!r}")
    kind = data.get("type")
    allowed = _FIELDS.get(kind) if isinstance(kind, str) else None
    if allowed is None:
        raise DescriptionError(f"{path}: unknown description type {kind!r}")
    unknown = [name for name in data if name not in allowed]
    if unknown:
        raise DescriptionError(f"{path}: unknown fields {unknown!r}")
    if kind == "value":
        param = data.get("param")
        if param not in c.PARAM_TYPES:
            raise DescriptionError(f"{path}: unknown PARAM type {param!r}")
        return ExternalValue(param, **_common(data, path, c.NULL_ALLOWED))
    if kind == "multiple":
        if "content" not in data:
            raise DescriptionError(f"{path}: a multiple structure needs 'content'")
        content = _from_dict(data["content"], f"{path}[]", depth + 1)
        return ExternalMultipleStructure(content, **_common(data, path, c.NULL_NOT_ALLOWED))
    keys = data.get("keys")
    if not isinstance(keys, Mapping):
        raise DescriptionError(f"{path}: 'keys' must be an object")
    subs = {}
    for name, sub in keys.items():
        if not isinstance(name, str):
            raise DescriptionError(f"{path}: key names must be strings")
        subs[name] = _from_dict(sub, f"{path}.{name}", depth + 1)
    common = _common(data, path, c.NULL_NOT_ALLOWED)
    if kind == "function_parameters":
        if common.pop("allownull"):
            raise DescriptionError(f"{path}: function parameters cannot allow null")
        return ExternalFunctionParameters(subs, **common)
    return ExternalSingleStructure(subs, **common)


def description_from_dict(data: Any) -> Description:
    """Read a description from its JSON form; raises :class:`DescriptionError` when malformed."""
    return _from_dict(data, "$")
