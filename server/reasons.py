"""A refusal's words in the request's language.

The workflow rules word their refusals in English, as a ``workflows.reasons.Reason``: the
sentence, its template and its parameters. ``worded`` turns one into the active language (the
request's, under LocaleMiddleware: Chinese unless it asks for English): the template through
gettext (its Chinese in ``server/locale``), each parameter by its label in that language (a
state, action or role by the workflow's own names, a parameter by its form label, a channel, a
choice or a case kind by its name; a parameter's label in Chinese quotes, as the English
quotes its name). Text that is not a ``Reason`` is returned as it is.

Where it is used: the API's error handler (every ``Refused`` a client gets) and the other
places that show a refusal to a person (the intake door, the admin).
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.translation import gettext

from server.consoles.workflow_meta import CHOICES, workflow_description
from server.language import in_language
from workflows.reasons import Code, Reason, english
from workflows.states import Action, Role, State

#: Where a report came from, as a sentence names it (zh, en); English says the code itself.
CHANNELS: dict[str, tuple[str, str]] = {
    "handset": ("监督员", "handset"), "hotline": ("热线", "hotline"), "web": ("网站", "web"),
    "open311": ("Open311", "open311"), "video": ("视频", "video"),
}
#: Case kinds (zh, en).
KINDS: dict[str, tuple[str, str]] = {"component": ("部件", "component"),
                                     "event": ("事件", "event")}
#: What an idempotency key was used for (zh, en).
REQUESTS: dict[str, tuple[str, str]] = {"report": ("上报", "report"), "action": ("操作", "action"),
                                        "component update": ("部件变更", "component update")}
#: Parameters that no console form asks for (the server fills them, or only the system sends
#: them): their labels, or the form field whose label they take.
EXTRA_FIELDS: dict[str, tuple[str, str] | str] = {"assignee_id": "assignee",
                                                  "light": ("灯色", "Light")}


@lru_cache(maxsize=1)
def _field_labels() -> dict[str, tuple[str, str]]:
    """Each form field's Chinese label, as a form that requires it names it (the note is 意见
    where it is the step's point), without the hint in brackets ("满意度 (1–5)")."""
    labels: dict[str, tuple[str, str]] = {}
    for action in workflow_description()["actions"]:
        for f in action["fields"]:
            if f["name"] not in labels or f["required"]:
                labels[f["name"]] = (re.sub(r"\s*\(.*\)$", "", f["zh"]),
                                     re.sub(r"\s*\(.*\)$", "", f["en"]))
    for name, label in EXTRA_FIELDS.items():
        labels[name] = labels[label] if isinstance(label, str) else label
    return labels


def _chinese(value) -> str:
    if isinstance(value, (State, Action, Role)):
        return value.zh
    if isinstance(value, Code) and value.kind == "field":  # quoted, as a form's label
        return f"“{_field_labels().get(value.value, (value.value,))[0]}”"
    if isinstance(value, Code):
        table = {"channel": CHANNELS, "choice": CHOICES, "kind": KINDS,
                 "request": REQUESTS}.get(value.kind, {})
        return table.get(value.value, (value.value,))[0]
    if isinstance(value, tuple):
        return "、".join(_chinese(v) for v in value)
    return str(value)


def worded(message: str) -> str:
    """``message`` in the active language: a ``Reason`` translated and filled with its
    parameters in that language; any other text as it is."""
    if not isinstance(message, Reason):
        return str(message)
    return gettext(message.template) % {k: in_language(_chinese(v), english(v))
                                        for k, v in message.params.items()}


def field_of(message: str) -> str | None:
    """The parameter a refusal is about (the first it names), for the error's ``field``; None
    when it names none or is not a ``Reason``."""
    return next((v.value for v in getattr(message, "params", {}).values()
                 if isinstance(v, Code) and v.kind == "field"), None)


def field_label(name: str) -> str:
    """A parameter as a message names it: its form label on a Chinese page, its API name on an
    English one (as the English refusals spell it); an unknown name as it is."""
    return in_language(_field_labels().get(name, (name,))[0], name)
