"""Why a step is refused, in words a server can say in the user's language.

A ``Reason`` is the English sentence itself (a ``str``: code that reads or compares the words
keeps working) and also the English ``template`` it was filled from, with its ``params``. A
server looks the template up in its translations and fills it again with each parameter in its
own language:

- a state, action or role (``State``, ``Action``, ``Role``): its Chinese or English label (in
  English lower case, as it stands inside a sentence);
- a ``Code``: a name the API uses (a parameter, a report channel, a choice, a case kind) that a
  person reads by its label: a parameter's form label, a channel's name... (in English the
  code itself, a parameter name quoted as the API spells it: ``'note'``);
- a tuple of them: each, joined with a comma (a list of choices);
- anything else (a number, a department code, a case number the user gave): as it is.

A template is printf-style with named fields (``%(field)s``) and holds no Chinese: the English
sentence has no Chinese in it, and the Chinese one comes whole from the translation.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from workflows.states import _Named


class Code(NamedTuple):
    """A name the API uses, read by a person through its label. ``kind`` says which labels:
    ``field`` (a parameter), ``channel`` (where a report came from), ``choice`` (a result, an
    urge level, a unit), ``kind`` (component or event), ``request`` (what a client's
    idempotency key was used for: a report, an action ...)."""

    kind: str
    value: str

    def english(self) -> str:
        return f"'{self.value}'" if self.kind == "field" else self.value


def field(name: str) -> Code:
    return Code("field", name)


def channel(code: str) -> Code:
    return Code("channel", code)


def choices(codes) -> tuple[Code, ...]:
    return tuple(Code("choice", str(c)) for c in codes)


def english(value: Any) -> str:
    """A parameter as the English sentence says it."""
    if isinstance(value, _Named):
        return value.en.lower()
    if isinstance(value, Code):
        return value.english()
    if isinstance(value, tuple):
        return ", ".join(english(v) for v in value)
    return str(value)


class Reason(str):
    """A refusal's words: the English sentence (the str), its ``template`` and ``params``."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> "Reason":
        obj = super().__new__(cls, template % {k: english(v) for k, v in params.items()}
                              if params else template)
        obj.template = template
        obj.params = params
        return obj

    def __reduce__(self):  # pickled with its template and parameters (a str would lose them)
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, Any]) -> Reason:
    return Reason(template, **params)
