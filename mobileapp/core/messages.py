"""Every user-facing string of the handset, in Chinese (default) and English.

``t(key, lang="zh", **params)`` formats one; a missing key in a language falls back to Chinese,
a missing key altogether shows the key itself (visible in testing, never a crash in the field).
"""

from __future__ import annotations

DEFAULT_LANG = "zh"

MESSAGES: dict[str, dict[str, str]] = {
    "app.title": {"zh": "城管通", "en": "City Patrol"},
    "login.title": {"zh": "登录", "en": "Sign in"},
    "login.server": {"zh": "服务器地址", "en": "Server"},
    "login.username": {"zh": "用户名", "en": "Username"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.button": {"zh": "登录", "en": "Sign in"},
    "login.failed": {"zh": "登录失败：{reason}", "en": "Sign-in failed: {reason}"},
    "login.offline": {"zh": "无法连接服务器，请检查网络", "en": "Cannot reach the server; check the network"},
    "nav.report": {"zh": "上报", "en": "Report"},
    "nav.outbox": {"zh": "发件箱", "en": "Outbox"},
    "nav.tasks": {"zh": "任务", "en": "Tasks"},
    "report.title": {"zh": "问题上报", "en": "Report a problem"},
    "report.kind.component": {"zh": "部件", "en": "Component"},
    "report.kind.event": {"zh": "事件", "en": "Event"},
    "report.search": {"zh": "搜索分类（如：井盖）", "en": "Search classes (e.g. manhole)"},
    "report.class": {"zh": "分类：{name}", "en": "Class: {name}"},
    "report.no_class": {"zh": "请选择分类", "en": "Pick a class"},
    "report.gps": {"zh": "定位", "en": "Locate"},
    "report.gps_fix": {"zh": "位置 {lat:.6f}, {lon:.6f}（±{acc:.0f} 米）",
                       "en": "Position {lat:.6f}, {lon:.6f} (±{acc:.0f} m)"},
    "report.gps_none": {"zh": "未定位：可输入 纬度,经度", "en": "No fix: type lat,lon"},
    "report.position_hint": {"zh": "纬度,经度", "en": "lat,lon"},
    "report.bad_position": {"zh": "位置格式应为 纬度,经度", "en": "Position must be lat,lon"},
    "report.photo": {"zh": "选择照片", "en": "Pick a photo"},
    "report.photo_ok": {"zh": "照片 {kb} KB", "en": "Photo {kb} KB"},
    "report.no_photo": {"zh": "请拍照或选择照片", "en": "Take or pick a photo"},
    "report.bad_photo": {"zh": "无法读取照片", "en": "Cannot read the photo"},
    "report.description": {"zh": "问题描述", "en": "Description"},
    "report.send": {"zh": "上报", "en": "Send"},
    "report.draft": {"zh": "存草稿", "en": "Save draft"},
    "report.quick": {"zh": "快速上报", "en": "Quick report"},
    "report.queued": {"zh": "已保存到发件箱，联网后自动发送", "en": "Saved to the outbox; sent when online"},
    "outbox.title": {"zh": "发件箱", "en": "Outbox"},
    "outbox.empty": {"zh": "发件箱为空", "en": "The outbox is empty"},
    "outbox.retry": {"zh": "立即重试", "en": "Retry now"},
    "state.waiting": {"zh": "等待发送", "en": "Waiting"},
    "state.sending": {"zh": "发送中", "en": "Sending"},
    "state.sent": {"zh": "已发送：{number}", "en": "Sent: {number}"},
    "state.refused": {"zh": "被拒绝：{reason}", "en": "Refused: {reason}"},
    "tasks.title": {"zh": "我的任务", "en": "My tasks"},
    "tasks.empty": {"zh": "暂无任务", "en": "No tasks"},
    "tasks.refresh": {"zh": "刷新", "en": "Refresh"},
    "tasks.offline": {"zh": "离线：显示上次的任务", "en": "Offline: showing the last tasks"},
    "task.verify": {"zh": "核实 {number}", "en": "Verify {number}"},
    "task.check": {"zh": "核查 {number}", "en": "Check {number}"},
    "result.confirmed": {"zh": "属实", "en": "Confirmed"},
    "result.not_found": {"zh": "不属实", "en": "Not found"},
    "result.fixed": {"zh": "已处理", "en": "Fixed"},
    "result.not_fixed": {"zh": "未处理", "en": "Not fixed"},
}


def t(key: str, lang: str = DEFAULT_LANG, **params) -> str:
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANG]
    return text.format(**params) if params else text


def item_state(item, lang: str = DEFAULT_LANG) -> str:
    """The outbox state line of an item, as the outbox screen shows it."""
    if item.state == "sent":
        return t("state.sent", lang, number=item.case_number or "")
    if item.state == "refused":
        return t("state.refused", lang, reason=item.reason or "")
    return t(f"state.{item.state}", lang)
