"""``key=value`` / ``key:=json`` command-line parameters."""

from __future__ import annotations

import pytest

from wsclient.pairs import PairError, parse_pairs


def test_strings_brackets_and_json() -> None:
    assert parse_pairs(
        [
            "courseid=2",
            "courseids[0]=3",
            "courseids[1]=4",
            "options[0][name]=excludemodules",
            "options[0][value]:=true",
            "ids[]=5",
            "ids[]=6",
            "empty=",
            "eq=a=b",
            'obj:={"0": 1}',
            "n:=2.5",
        ]
    ) == {
        "courseid": "2",
        "courseids": ["3", "4"],
        "options": [{"name": "excludemodules", "value": True}],
        "ids": ["5", "6"],
        "empty": "",
        "eq": "a=b",
        "obj": {"0": 1},  # a JSON object stays an object
        "n": 2.5,
    }


def test_indices_become_ordered_lists_and_names_stay_dicts() -> None:
    parsed = parse_pairs(["a[2]=z", "a[0]=x", "a[1]=y", "m[key]=v"])
    assert parsed == {"a": ["x", "y", "z"], "m": {"key": "v"}}


@pytest.mark.parametrize(
    "items",
    [
        ["novalue"],
        ["[x]=1"],
        ["a[b=1"],
        ["a=1", "a=2"],
        ["a=1", "a[0]=2"],
        ["a[0]=2", "a=1"],
        ["a:=not json"],
    ],
)
def test_refused(items: list[str]) -> None:
    with pytest.raises(PairError):
        parse_pairs(items)
