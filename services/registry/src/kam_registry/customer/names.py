"""The normalised full name: the form two registrations of one organisation share.

Width-folded (NFKC: full-width letters, digits and spaces become half-width), case-folded, without spaces or
punctuation, and with the variants of a company form written one way (有限责任公司 → 有限公司, Limited → Ltd)."""

import re
import unicodedata

_SPACE_AND_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)
# Applied in order, after spaces and punctuation are gone. A variant maps to the shortest spelling of its form.
_FORMS = (
    ("有限责任公司", "有限公司"),
    ("companylimited", "coltd"),
    ("limited", "ltd"),
    ("corporation", "corp"),
    ("company", "co"),
)


def normalise_name(full_name: str) -> str:
    name = _SPACE_AND_PUNCTUATION.sub("", unicodedata.normalize("NFKC", full_name)).casefold()
    for variant, form in _FORMS:
        name = name.replace(variant, form)
    return name
