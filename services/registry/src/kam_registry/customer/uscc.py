"""Unified social credit code (GB 32100-2015): 18 characters, the last a check character over the first 17."""

import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SHAPE = re.compile(f"^[{ALPHABET}]{{18}}$")


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why the code is not a valid USCC, or None when it is."""
    if len(code) != 18:
        return "must be 18 characters"
    if not _SHAPE.match(code):
        return "may contain only digits and the letters ABCDEFGHJKLMNPQRTUWXY"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r}, expected {expected!r}"
    return None
