"""The Open311 service list, from the classification (``gridmaps.classification``).

A service is one minor class. Component and event codes repeat (component 0101 上水井盖, event
0101 私搭乱建), so the service code carries the kind: ``C0101`` / ``E0101`` — the same letter as
the case number. The group is the major class (``部件·公用设施 Public facilities``).

Every service has a definition (metadata true) with two attributes: ``urgency`` (紧急程度) and,
for components, ``component_code`` (部件编码, on the asset's plate). ``clean_attributes`` checks
what a client sent against it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from gridmaps.classification import ClassItem, load_classes

KIND_LETTER = {"component": "C", "event": "E"}
KIND_NAME = {"component": "部件 component", "event": "事件 event"}
URGENCY_VALUES = [{"key": "normal", "name": "一般 normal"},
                  {"key": "urgent", "name": "紧急 urgent"}]
COMPONENT_CODE = re.compile(r"^\d{16,17}$")


def code_of(kind: str, class_code: str) -> str:
    return f"{KIND_LETTER[kind]}{class_code}"


@lru_cache(maxsize=1)
def _classes() -> dict[str, ClassItem]:
    return {code_of(c.kind, c.code): c for c in load_classes()}


def service_class(service_code: str) -> ClassItem | None:
    """The class a service code names, or None."""
    return _classes().get(service_code)


def service_name(item: ClassItem) -> str:
    return f"{item.minor_zh} {item.minor_en}"


def _service(code: str, item: ClassItem) -> dict:
    kind_zh, kind_en = KIND_NAME[item.kind].split(" ")
    return {
        "service_code": code,
        "service_name": service_name(item),
        "description": f"{kind_zh}·{item.major_zh}·{item.minor_zh} "
                       f"({kind_en}: {item.major_en}, {item.minor_en})",
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join([kind_zh, kind_en, item.major_zh, item.major_en, item.minor_zh,
                              item.minor_en]),
        "group": f"{kind_zh}·{item.major_zh} {item.major_en}",
    }


def service_list() -> list[dict]:
    return [_service(code, item) for code, item in _classes().items()]


def _attributes(item: ClassItem) -> list[dict]:
    attrs = [{
        "variable": True, "code": "urgency", "datatype": "singlevaluelist", "required": False,
        "datatype_description": "normal 或 urgent", "order": 1,
        "description": "紧急程度 Urgency (default normal)", "values": URGENCY_VALUES}]
    if item.kind == "component":
        attrs.append({
            "variable": True, "code": "component_code", "datatype": "string", "required": False,
            "datatype_description": "16 或 17 位数字 16 or 17 digits", "order": 2,
            "description": "部件编码（部件标牌上） Component code, on the asset's plate",
            "values": []})
    return attrs


def definition(service_code: str) -> dict | None:
    item = service_class(service_code)
    if item is None:
        return None
    return {"service_code": service_code, "attributes": _attributes(item)}


def clean_attributes(item: ClassItem, sent: dict[str, list[str]]) -> tuple[dict, list[str]]:
    """(clean attributes, problems) for ``sent`` = {code: [values]} (several for a
    multivaluelist). Codes the service does not define are ignored, as GeoReport v2 lets a
    server do (a client may send one form to several cities); bad list keys and malformed
    values of the known ones are problems."""
    known = {a["code"]: a for a in _attributes(item)}
    clean: dict[str, str | list[str]] = {}
    problems: list[str] = []
    for code, values in sent.items():
        attr = known.get(code)
        if attr is None:
            continue
        values = [v.strip() for v in values if v.strip()]
        if not values:
            continue
        if attr["datatype"] != "multivaluelist" and len(values) > 1:
            problems.append(f"attribute[{code}] takes one value, got {len(values)}")
            continue
        value = values[0]
        if attr["datatype"] == "singlevaluelist":
            keys = [v["key"] for v in attr["values"]]
            if value not in keys:
                problems.append(
                    f"attribute[{code}] must be one of {', '.join(keys)}, not {value!r}")
                continue
        if code == "component_code" and not COMPONENT_CODE.match(value):
            problems.append(f"attribute[component_code] must be 16 or 17 digits, not {value!r}")
            continue
        clean[code] = value
    for code, attr in known.items():
        if attr["required"] and code not in clean:
            problems.append(f"attribute[{code}] is required")
    return clean, problems
