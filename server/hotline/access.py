"""Who may read a caller's name and phone (personal data).

The call-takers (they call back), the acceptors and duty chiefs (they judge the report and may
need to ring the caller), and leaders. Never departments, supervisors, dispatchers or the
public: the case itself is all they need.
"""

from __future__ import annotations

from workflows import Role

CONTACT_ROLES = frozenset({Role.CALL_TAKER, Role.ACCEPTOR, Role.DUTY_CHIEF, Role.LEADER})


def may_see_contact(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.role:
        return False
    try:
        return Role(user.role) in CONTACT_ROLES
    except ValueError:
        return False


def contact_of(case, user) -> dict | None:
    """The person behind ``case`` for ``user``: ``{"source", "name", "phone", "email"}``, or
    None when the case has no known person or the user may not see one. Looks at a hotline
    call first, then an Open311 request's contact fields."""
    if not may_see_contact(user):
        return None
    from server.hotline.models import HotlineCall

    call = HotlineCall.objects.filter(case=case).first()
    if call is not None:
        return {"source": f"hotline {call.line}", "name": call.caller_name,
                "phone": call.caller_phone, "email": ""}
    from server.open311.models import ServiceRequest

    sr = ServiceRequest.objects.filter(case=case).select_related("client").first()
    if sr is not None and (sr.phone or sr.email or sr.first_name or sr.last_name):
        return {"source": f"open311 {sr.client.name}",
                "name": " ".join(p for p in (sr.first_name, sr.last_name) if p),
                "phone": sr.phone, "email": sr.email}
    return None
