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
    "login.offline": {"zh": "无法连接服务器，请检查网络",
                      "en": "Cannot reach the server; check the network"},
    "nav.report": {"zh": "上报", "en": "Report"},
    "nav.outbox": {"zh": "发件箱", "en": "Outbox"},
    "nav.tasks": {"zh": "任务", "en": "Tasks"},
    "nav.map": {"zh": "地图", "en": "Map"},
    "nav.update": {"zh": "部件", "en": "Assets"},
    "nav.duty": {"zh": "考勤", "en": "Duty"},
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
    "report.queued": {"zh": "已保存到发件箱，联网后自动发送",
                      "en": "Saved to the outbox; sent when online"},
    "report.on_map": {"zh": "地图选点", "en": "Pick on map"},
    "report.map_point": {"zh": "地图点 {lat:.6f}, {lon:.6f}（±{acc:.0f} 米）",
                         "en": "Map point {lat:.6f}, {lon:.6f} (±{acc:.0f} m)"},
    "report.nearby": {"zh": "附近部件（点选具体部件）", "en": "Nearby assets (tap to pick one)"},
    "report.nearby_none": {"zh": "附近 50 米内无部件", "en": "No asset within 50 m"},
    "report.component": {"zh": "部件 {code}", "en": "Asset {code}"},
    "report.voice": {"zh": "语音", "en": "Voice"},
    "report.voice_stop": {"zh": "停止录音", "en": "Stop"},
    "report.voice_ok": {"zh": "语音 {kb} KB", "en": "Voice {kb} KB"},
    "report.voice_clear": {"zh": "删除语音", "en": "Drop voice"},
    "report.bad_voice": {"zh": "语音无效：{reason}", "en": "Bad voice note: {reason}"},
    "report.pick_file": {"zh": "选择文件", "en": "Pick a file"},
    "report.majors": {"zh": "‹ 全部大类", "en": "‹ All groups"},
    "map.locate": {"zh": "我的位置", "en": "Me"},
    "map.fit": {"zh": "全图", "en": "All"},
    "map.refresh": {"zh": "更新地图", "en": "Update map"},
    "map.none": {"zh": "尚无地图：联网后点“更新地图”",
                 "en": "No map yet: go online and tap Update map"},
    "map.updated": {"zh": "地图版本 {version}", "en": "Map version {version}"},
    "map.offline": {"zh": "离线：使用已缓存地图", "en": "Offline: using the cached map"},
    "map.picked": {"zh": "网格 {cell}", "en": "Cell {cell}"},
    "map.outside": {"zh": "不在责任网格内", "en": "Outside the duty grid"},
    "map.use_report": {"zh": "用于上报", "en": "Report here"},
    "map.use_update": {"zh": "部件更新", "en": "Update asset"},
    "duty.title": {"zh": "考勤与巡查", "en": "Duty and patrol"},
    "duty.in": {"zh": "上班签到", "en": "Clock in"},
    "duty.out": {"zh": "下班签退", "en": "Clock out"},
    "duty.track_on": {"zh": "巡查轨迹：开", "en": "Patrol track: on"},
    "duty.track_off": {"zh": "巡查轨迹：关", "en": "Patrol track: off"},
    "duty.no_fix": {"zh": "未定位：请到室外或稍候", "en": "No GPS fix yet: go outside or wait"},
    "duty.clocked": {"zh": "{what}已记录 {time}，联网后发送",
                     "en": "{what} recorded at {time}; sent when online"},
    "duty.last": {"zh": "最近：{what} {time}（{state}）", "en": "Last: {what} {time} ({state})"},
    "duty.never": {"zh": "今日尚未签到", "en": "Not clocked in today"},
    "duty.points": {"zh": "待发送轨迹点 {n}", "en": "{n} track points waiting"},
    "update.title": {"zh": "部件更新", "en": "Asset update"},
    "update.kind.damaged": {"zh": "损坏", "en": "Damaged"},
    "update.kind.missing": {"zh": "丢失", "en": "Missing"},
    "update.kind.removed": {"zh": "已移除", "en": "Removed"},
    "update.kind.added": {"zh": "新增", "en": "New"},
    "update.pick": {"zh": "在地图上点选部件或位置", "en": "Tap the asset or the place on the map"},
    "update.component": {"zh": "部件：{code} {name}", "en": "Asset: {code} {name}"},
    "update.no_component": {"zh": "请在地图上点选部件", "en": "Tap the asset on the map"},
    "update.no_class": {"zh": "新增部件请选择分类", "en": "Pick the class of the new asset"},
    "update.no_position": {"zh": "请在地图上点选位置或定位",
                           "en": "Tap the place on the map or locate"},
    "update.note": {"zh": "说明", "en": "Note"},
    "update.queued": {"zh": "已保存到发件箱，待地图维护员审核",
                      "en": "Saved to the outbox; the map keeper reviews it"},
    "kind.attendance": {"zh": "考勤", "en": "Attendance"},
    "kind.track": {"zh": "巡查轨迹", "en": "Patrol track"},
    "kind.component_update": {"zh": "部件更新", "en": "Asset update"},
    "tasks.live": {"zh": "实时推送", "en": "Live"},
    "tasks.polling": {"zh": "推送中断：每分钟轮询", "en": "Push down: polling every minute"},
    "tasks.connecting": {"zh": "连接中…", "en": "Connecting…"},
    "tasks.refused": {"zh": "推送被拒：请重新登录", "en": "Push refused: sign in again"},
    "tasks.stopped": {"zh": "未连接", "en": "Not connected"},
    "tasks.on_map": {"zh": "地图", "en": "Map"},
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
