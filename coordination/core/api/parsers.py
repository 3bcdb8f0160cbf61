"""The API's JSON parser: DRF's, bounded in nesting, without NaN or Infinity.

Python's JSON decoder recurses once per level: a body of 100,000 nested brackets raises
RecursionError (a 500 before this parser), and a few hundred levels would be walked again by
every validator. No resource of this API nests deeper than a few levels, so deeper bodies are
refused as a parse error (400).
"""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def json_depth_exceeds(data, limit: int) -> bool:
    """True if `data` nests more than `limit` containers deep (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((item, depth + 1) for item in children
                     if isinstance(item, dict | list))
    return False


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON (RFC 8259) and no number field of this API takes them.
    raise ValueError(_("%(name)s is not a JSON number") % {"name": name})


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        too_deep = _("JSON parse error - %s") % (
            _("nested more than %(depth)d levels deep") % {"depth": MAX_DEPTH})
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(too_deep) from None
        except ValueError as exc:  # also UnicodeDecodeError
            raise ParseError(_("JSON parse error - %s") % exc) from None
        if json_depth_exceeds(data, MAX_DEPTH):
            raise ParseError(too_deep)
        return data
