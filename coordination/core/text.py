"""What text may be stored: one rule for every service that takes text or JSON from outside.

PostgreSQL refuses NUL in text and in jsonb, and a lone surrogate is not a character at all
(it cannot be encoded): either would crash the write with a 500. Control characters and
bidirectional overrides are refused in single-line text, where they only serve to disguise
what a name or a value says.
"""

from django.utils.translation import gettext as _

from coordination.core.errors import ApplicationError

# Bidirectional overrides, embeddings, isolates and marks: "王伟" displayed as another name.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                           "\u200e\u200f")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` cannot be stored as text, or None: a NUL or another control character
    (tabs and line breaks allowed where `multiline`), a lone surrogate, or a bidirectional
    override."""
    for character in value:
        code = ord(character)
        if 0xD800 <= code <= 0xDFFF:
            return _("Contains an invalid character (a lone surrogate).")
        if code < 32 or code == 127:
            if multiline and character in "\t\n\r":
                continue
            return _("Contains a control character (U+%(code)04X).") % {"code": code}
        if character in _BIDI_CONTROLS:
            return _("Contains a text-direction control character (U+%(code)04X).") % {
                "code": code}
    return None


def text_check(value: str, field: str, *, multiline: bool = False) -> None:
    """Raise ApplicationError on `field` if `value` cannot be stored (`text_problem`)."""
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        raise ApplicationError(problem, code="invalid_characters", field=field)


def json_text_check(value, field: str) -> None:
    """`text_check` on every key and string inside a JSON value (walked without recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                text_check(str(key), field)
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            text_check(item, field, multiline=True)
