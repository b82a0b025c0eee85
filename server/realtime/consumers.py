"""``/ws/events/``: the live feed of case events for consoles and terminals.

Access is decided once, at connect: the user's role fixes the groups joined (the centres hear
all cases, a department only its own, a supervisor their reports and waiting checks). The server
sends ``{"type": "hello", ...}`` first, then one ``CaseMessage`` per event.
"""

from __future__ import annotations

from collections import deque

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from server.realtime.groups import CENTER, dept_group, role_group, user_group
from workflows import Role

CENTER_ROLES = {Role.ACCEPTOR, Role.DUTY_CHIEF, Role.DISPATCHER, Role.LEADER, Role.CALL_TAKER}


@database_sync_to_async
def _groups_for_user(user) -> list[str]:
    if not user.role:
        return []
    role = Role(user.role)
    groups = [user_group(user.pk)]
    if role in CENTER_ROLES:
        groups.append(CENTER)
    elif role == Role.DEPARTMENT and user.department_id:
        groups.append(dept_group(user.department.code))
    elif role == Role.SUPERVISOR:
        groups.append(role_group(Role.SUPERVISOR))
    return groups


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)  # 4401: not authenticated
            return
        self.groups_joined = await _groups_for_user(user)
        if not self.groups_joined:
            await self.close(code=4403)  # 4403: no role that may listen
            return
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "user": user.username, "role": user.role,
                              "groups": self.groups_joined})

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def case_message(self, event):
        # One event may reach this socket through two groups (a reporter who is also in the
        # centre): send it once.
        event_id = event["message"]["event_id"]
        seen = self.__dict__.setdefault("_seen", deque(maxlen=256))
        if event_id in seen:
            return
        seen.append(event_id)
        await self.send_json(event["message"])
