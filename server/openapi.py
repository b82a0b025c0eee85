"""The parts of ``/api/schema/`` that drf-spectacular cannot read from a DRF view: the pages and
the plain Django views (health, login, logout, the language switch, the JavaScript catalogue,
the API page itself).

The schema lists every route of the URL configuration except the Django admin (its own forms,
not a project API), so a fuzzer (``bench.attack``, ``tests/e2e/test_attack.py``) reaches every
door with the query parameters each reads. ``tests/server/test_openapi.py`` walks the resolver
and fails on a route missing here or in a view's ``extend_schema``.

``postprocess`` is a drf-spectacular ``POSTPROCESSING_HOOKS`` entry (public API): it adds
``PAGES`` to the generated paths. Each entry names the route, its methods, whether it needs a
signed-in session (pages send anyone else to the login page, a 302), its query parameters and
what it answers. The pages' HTML is not described field by field: a page is a door with
parameters, the API behind it is described by its own views.
"""

from __future__ import annotations

from dataclasses import dataclass

#: ``period`` and friends, read by the evaluation pages as by their API
#: (``server.evaluation.params.period_from``).
PERIOD = (("period", "day, week, month (default) or custom", ["day", "week", "month",
                                                               "custom"]),
          ("date", "a day in the period: YYYY-MM-DD, or YYYY-MM for a month", None),
          ("start", "first day of a custom period (YYYY-MM-DD)", None),
          ("end", "last day of a custom period (YYYY-MM-DD)", None),
          ("kind", "the ranking table: department, street, community, cell, supervisor ...",
           None))


@dataclass(frozen=True)
class Door:
    """One plain route: ``path`` as OpenAPI writes it, ``methods``, its query ``params``
    ((name, description, enum or None)), the form fields a POST takes, and the media type of
    a 200."""

    path: str
    summary: str
    methods: tuple[str, ...] = ("get",)
    params: tuple = ()
    form: tuple[str, ...] = ()
    media: str = "text/html"
    tag: str = "pages"
    redirects: bool = True  # answers 302 (the login page, or the page of one's role)
    path_params: tuple[str, ...] = ()  # names in ``path`` ({number})


PAGES = (
    Door("/", "Start page: sends a signed-in user to the page of their role"),
    Door("/console/supervision/", "Supervision center (监督中心)"),
    Door("/console/command/", "Command center (指挥中心)"),
    Door("/console/department/", "Department terminal (专业部门)"),
    Door("/console/dashboard/", "Leader dashboard (领导桌面)"),
    Door("/hotline/", "Hotline call-taker page (热线)"),
    Door("/console/case/{number}/", "A case's whole story: every step, its actor, note and "
         "photos (案件详情)", path_params=("number",)),
    Door("/evaluation/", "Evaluation: rankings with trends (综合评价)",
         params=PERIOD + (("source", "rollups (default) or straight (from the event log)",
                           ["rollups", "straight"]),)),
    Door("/evaluation/cases/", "Evaluation: the cases behind one counter (下钻)",
         params=PERIOD + (("entity", "the row's code", None),
                          ("counter", "the counter, e.g. filed, closed, overdue", None))),
    Door("/evaluation/bulletin/", "Evaluation: the monthly bulletin (月报)", params=PERIOD),
    Door("/evaluation/publish/", "Publish a month's rankings (发布; leaders; CSRF-protected "
         "form; then back to the rankings)", methods=("post",),
         form=("date", "note", "kind")),
    Door("/accounts/login/", "Sign in (username and password; CSRF-protected form)",
         methods=("get", "post"), params=(("next", "where to go after signing in", None),),
         form=("username", "password", "next")),
    Door("/accounts/logout/", "Sign out (POST, CSRF-protected)", methods=("post",)),
    Door("/i18n/setlang/", "Switch the language (zh-hans or en; CSRF-protected form)",
         methods=("post",), form=("language", "next")),
    Door("/jsi18n/", "The pages' translated strings (JavaScript)", media="text/javascript",
         redirects=False),
    Door("/api/docs/", "This schema as an interactive page (Swagger UI)", redirects=False),
    Door("/api/health/", "The process answers: {\"ok\": true}. No database, no sign-in",
         media="application/json", tag="health", redirects=False),
)


def _operation(door: Door, method: str) -> dict:
    op = {
        "operationId": (door.path.strip("/").replace("/", "_") or "home") + "_" + method,
        "summary": door.summary,
        "tags": [door.tag],
        "security": [{"cookieAuth": []}, {}],
        "responses": {"200": {"description": "the page",
                              "content": {door.media: {"schema": {"type": "string"}}}}},
    }
    if door.redirects:
        op["responses"]["302"] = {"description": "to the login page, or the page of one's role"}
    parameters = [{"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                  for name in door.path_params]
    if method == "get":
        parameters += [
            {"in": "query", "name": name, "required": False, "description": text,
             "schema": {"type": "string", **({"enum": enum} if enum else {})}}
            for name, text, enum in door.params]
    if parameters:
        op["parameters"] = parameters
    if method == "post":
        op["responses"]["403"] = {"description": "without the form's CSRF token"}
        if door.form:
            op["requestBody"] = {"content": {"application/x-www-form-urlencoded": {"schema": {
                "type": "object",
                "properties": {name: {"type": "string"} for name in door.form}}}}}
    return op


def postprocess(result, generator, request, public):
    """Add ``PAGES`` to the schema drf-spectacular generated (a POSTPROCESSING_HOOKS entry)."""
    paths = result.setdefault("paths", {})
    for door in PAGES:
        paths[door.path] = {m: _operation(door, m) for m in door.methods}
    schemes = result.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes.setdefault("cookieAuth", {"type": "apiKey", "in": "cookie", "name": "sessionid"})
    return result
