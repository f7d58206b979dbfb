"""PHP ``strip_tags()``, reproduced state for state.

PARAM_TEXT and PARAM_NOTAGS validation depends on its quirks: a ``<`` followed by whitespace is
literal text when no tags are allowed (but starts a tag when some are), a lone ``>`` outside a
tag is kept, quotes inside a tag hide ``>``, an unterminated tag swallows the rest of the string,
and ``<?``/``<!``/``<!--`` open PHP, declaration and comment states with their own terminators.
"""

from __future__ import annotations

__all__ = ["strip_tags"]

_SPACE = frozenset(" \t\n\r\x0b\x0c")


def _ascii_lower(char: str) -> str:
    return char.lower() if "A" <= char <= "Z" else char


def _tag_find(tag: str, allowed: str) -> bool:
    """Normalise ``<a href=..>``/``</a>``/``<a/>`` to ``<a>`` and look it up in ``allowed``."""
    norm = []
    seen_name = False
    for pos, raw in enumerate(tag):
        char = _ascii_lower(raw)
        if char == "<":
            norm.append(char)
        elif char == ">":
            break
        elif char in _SPACE:
            if seen_name:
                break
        else:
            seen_name = True
            if char != "/" or (tag[pos - 1] != "<" and tag[pos + 1] != ">"):
                norm.append(char)
    return "".join(norm) + ">" in allowed


def strip_tags(text: str, allowed: str = "") -> str:
    """Remove HTML and PHP tags like PHP does; ``allowed`` is e.g. ``"<lang>"``."""
    if "<" not in text and ">" not in text and "\0" not in text:
        return text
    allowed = "".join(_ascii_lower(c) for c in allowed)
    out: list[str] = []
    tbuf: list[str] = []
    state = depth = br = 0
    in_q = lc = ""
    is_xml = False
    size = len(text)
    i = 0
    while i < size:
        char = text[i]
        nxt = text[i + 1] if i + 1 < size else "\0"
        prev = text[i - 1] if i >= 1 else ""
        if state == 0:
            if char == "\0":
                pass
            elif char == "<":
                if in_q:
                    pass
                elif nxt in _SPACE and not allowed:
                    out.append(char)
                else:
                    lc = "<"
                    state = 1
                    tbuf = ["<"]
            elif char == ">":
                if depth:
                    depth -= 1
                elif not in_q:
                    out.append(char)
            else:
                out.append(char)
        elif state == 1:
            regular = False
            if char == "\0":
                pass
            elif char == "<":
                if in_q:
                    pass
                elif nxt in _SPACE and not allowed:
                    regular = True
                else:
                    depth += 1
            elif char == ">":
                if depth:
                    depth -= 1
                elif not in_q:
                    lc = ">"
                    if not (is_xml and prev == "-"):
                        in_q = ""
                        state = 0
                        is_xml = False
                        if allowed:
                            tbuf.append(">")
                            tag = "".join(tbuf)
                            if _tag_find(tag, allowed):
                                out.append(tag)
                        tbuf = []
            elif char in "\"'":
                if i != 0 and (not in_q or char == in_q):
                    in_q = "" if in_q else char
                regular = True
            elif char == "!" and prev == "<":
                state = 3
                lc = char
            elif char == "?" and prev == "<":
                br = 0
                state = 2
            else:
                regular = True
            if regular and allowed:
                tbuf.append(char)
        elif state == 2:  # inside <? ... ?>
            if char == "(":
                if lc not in ('"', "'"):
                    lc = "("
                    br += 1
            elif char == ")":
                if lc not in ('"', "'"):
                    lc = ")"
                    br -= 1
            elif char == ">":
                if depth:
                    depth -= 1
                elif not in_q and not br and i >= 1 and lc != '"' and prev == "?":
                    in_q = ""
                    state = 0
            elif char in "\"'":
                if i >= 1 and prev != "\\":
                    if lc == char:
                        lc = "\0"
                    elif lc != "\\":
                        lc = char
                    if not in_q or char == in_q:
                        in_q = "" if in_q else char
            elif (
                char in "lL"
                and i > 4
                and text[i - 1] in "mM"
                and text[i - 2] in "xX"
                and text[i - 3] == "?"
                and text[i - 4] == "<"
            ):
                state = 1
                is_xml = True
        elif state == 3:  # inside <! ... >
            if char == ">":
                if depth:
                    depth -= 1
                elif not in_q:
                    in_q = ""
                    state = 0
            elif char in "\"'":
                if i != 0 and prev != "\\" and (not in_q or char == in_q):
                    in_q = "" if in_q else char
            elif char == "-":
                if i >= 2 and prev == "-" and text[i - 2] == "!":
                    state = 4
            elif char in "eE" and i > 6 and text[i - 6 : i].lower() == "doctyp":
                state = 1
        elif char == ">" and not in_q and i >= 2 and prev == "-" and text[i - 2] == "-":
            # state 4: inside <!-- ... -->
            in_q = ""
            state = 0
        i += 1
    return "".join(out)
