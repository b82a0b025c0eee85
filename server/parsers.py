"""The JSON request parser of every API view: DRF's, with a nesting limit.

Python's ``json`` recurses once per level: 200 KB of ``[[[[...`` raised ``RecursionError``
(a 500) before any view code ran, and a body nested a few hundred levels deep would reach code
that walks it recursively (serializers, ``json.dumps`` into a JSON column). No request the
system takes nests deeper than a few levels, so a body over ``MAX_DEPTH`` is refused with 400
(``{"error": {"code": "parse_error", "message"}}``, in the request's language).

Settings name ``JSONParser`` in ``DEFAULT_PARSER_CLASSES``; a view that lists its own parsers
lists this one. ``loads`` is the same check for code that reads JSON text itself.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

#: The deepest nesting of arrays and objects a request body may have.
MAX_DEPTH = 32


class TooDeep(ValueError):
    """JSON nested deeper than ``MAX_DEPTH``."""

    def __init__(self):
        super().__init__(_("the JSON body is nested deeper than %(limit)s levels")
                         % {"limit": MAX_DEPTH})


def check_depth(value, limit: int = MAX_DEPTH):
    """``value`` (parsed JSON) if no array or object in it is deeper than ``limit``; TooDeep if
    one is. Iterative: the check itself never recurses."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            raise TooDeep()
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return value


def loads(text: str | bytes, limit: int = MAX_DEPTH):
    """``json.loads`` that raises TooDeep (a ValueError) for nesting over ``limit``, where
    ``json`` would raise RecursionError or hand over a structure others recurse into."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep() from None
    return check_depth(value, limit) if isinstance(value, (dict, list)) else value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body nested deeper than ``MAX_DEPTH`` is a ParseError (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            value = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(str(TooDeep())) from None
        try:
            return check_depth(value) if isinstance(value, (dict, list)) else value
        except TooDeep as exc:
            raise ParseError(str(exc)) from None
