"""Every error class has a distinct, documented exit code and a kebab-case code."""

from __future__ import annotations

import re

import openblotter.errors as errors
from openblotter.cli import INTERNAL_ERROR_EXIT


def _classes() -> list[type[errors.BlotterError]]:
    return [getattr(errors, n) for n in errors.__all__]


def test_errors__derive_from_one_root() -> None:
    for cls in _classes():
        assert issubclass(cls, errors.BlotterError)


def test_errors__codes_are_kebab_case_and_unique() -> None:
    codes = [cls.code for cls in _classes()]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", code), code


def test_errors__exit_codes_are_documented_in_the_tree() -> None:
    doc = errors.__doc__ or ""
    for cls in _classes():
        assert re.search(rf"{cls.__name__}\s+exit {cls.exit_code}\b", doc), cls.__name__
        assert cls.exit_code != INTERNAL_ERROR_EXIT
