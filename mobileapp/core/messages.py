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
    "report.quick_label": {"zh": "快速\n上报", "en": "Quick\nreport"},
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
    "map.legend": {"zh": "图例", "en": "Legend"},
    "map.legend.duty": {"zh": "责任网格", "en": "My cells"},
    "map.legend.neighbour": {"zh": "相邻网格", "en": "Nearby cells"},
    "map.legend.c01": {"zh": "公用设施", "en": "Utilities"},
    "map.legend.c02": {"zh": "道路交通", "en": "Roads"},
    "map.legend.c03": {"zh": "市容环境", "en": "Appearance"},
    "map.legend.c04": {"zh": "园林绿化", "en": "Greening"},
    "map.legend.other": {"zh": "其他部件", "en": "Other assets"},
    "map.legend.task": {"zh": "任务", "en": "Task"},
    "map.legend.me": {"zh": "我的位置", "en": "Me"},
    "map.legend.picked": {"zh": "选点", "en": "Picked"},
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
    # -- status bar, session, settings -------------------------------------------------
    "status.online": {"zh": "在线", "en": "Online"},
    "status.offline": {"zh": "离线", "en": "Offline"},
    "status.unknown": {"zh": "网络未知", "en": "Network ?"},
    "status.pending": {"zh": "待发 {n}", "en": "{n} to send"},
    "status.synced": {"zh": "同步 {time}", "en": "Synced {time}"},
    "status.never": {"zh": "未同步", "en": "Never synced"},
    "status.gps": {"zh": "GPS ±{acc:.0f}米", "en": "GPS ±{acc:.0f} m"},
    "status.gps_none": {"zh": "GPS 无定位", "en": "No GPS"},
    "status.relogin": {"zh": "需重新登录", "en": "Sign in again"},
    "session.expired": {"zh": "登录已失效，请重新登录。"
                              "未发送的 {n} 条已保留在手机上，登录后自动发送。",
                        "en": "Your sign-in has expired; sign in again. The {n} unsent items "
                              "stay on the phone and go once you are back."},
    "session.logout": {"zh": "退出登录", "en": "Sign out"},
    "session.logout_warn": {"zh": "还有 {n} 条未发送。"
                                  "退出后它们保留在手机上，下次登录后自动发送。确定退出？",
                            "en": "{n} items are not sent yet. They stay on the phone and go "
                                  "after the next sign-in. Sign out?"},
    "session.logout_ok": {"zh": "确定退出", "en": "Sign out"},
    "session.signed_out": {"zh": "已退出。未发送的 {n} 条保留在手机上。",
                           "en": "Signed out. {n} unsent items kept on the phone."},
    "settings.lang": {"zh": "English", "en": "中文"},
    "common.cancel": {"zh": "取消", "en": "Cancel"},
    "common.delete": {"zh": "删除", "en": "Delete"},
    "common.edit": {"zh": "修改", "en": "Edit"},
    "common.open": {"zh": "打开", "en": "Open"},
    "common.resend": {"zh": "重发", "en": "Send again"},
    "age.s": {"zh": "{n} 秒前", "en": "{n} s ago"},
    "age.m": {"zh": "{n} 分钟前", "en": "{n} min ago"},
    "age.h": {"zh": "{n} 小时前", "en": "{n} h ago"},
    # -- the report screen, camera first ------------------------------------------------
    "report.shutter": {"zh": "拍照", "en": "Photo"},
    "report.reshoot": {"zh": "重拍", "en": "Retake"},
    "report.locating": {"zh": "正在定位…（请稍候，或点“地图选点”）",
                        "en": "Locating… (wait, or pick on the map)"},
    "report.fix": {"zh": "{source} ±{acc:.0f} 米 · {age}", "en": "{source} ±{acc:.0f} m · {age}"},
    "report.fix_stale": {"zh": "位置已过时（{age}），请点“定位”",
                         "en": "Old position ({age}): tap Locate"},
    "source.gps": {"zh": "GPS 定位", "en": "GPS"},
    "source.map": {"zh": "地图选点", "en": "Map point"},
    "source.typed": {"zh": "手输位置", "en": "Typed"},
    "source.component": {"zh": "部件位置", "en": "Asset position"},
    "source.draft": {"zh": "草稿位置", "en": "Draft position"},
    "report.nearby_loading": {"zh": "正在查找附近部件…", "en": "Looking for nearby assets…"},
    "report.nearby_wait": {"zh": "定位后显示附近部件", "en": "Nearby assets show after a fix"},
    "report.quick_title": {"zh": "快速上报：{name}", "en": "Quick report: {name}"},
    "report.quick_body": {"zh": "将拍一张新照片，用当前位置上报。\n{fix}",
                          "en": "Takes a new photo and reports at the current position.\n{fix}"},
    "report.quick_go": {"zh": "拍照并上报", "en": "Photo and send"},
    "report.quick_sent": {"zh": "已上报“{name}”，在发件箱中",
                          "en": "Reported {name}; in the outbox"},
    "report.quick_cancelled": {"zh": "未拍照，未上报", "en": "No photo: nothing sent"},
    "report.voice_hold": {"zh": "按住说话", "en": "Hold to talk"},
    "report.voice_release": {"zh": "松开结束", "en": "Release to stop"},
    "report.draft_saved": {"zh": "已存草稿（{time}）", "en": "Draft saved ({time})"},
    "report.editing": {"zh": "正在修改被拒的上报，改好后点“重新上报”",
                       "en": "Editing a refused report: fix it and send again"},
    "report.resend": {"zh": "重新上报", "en": "Send again"},
    "report.requeued": {"zh": "已重新放入发件箱", "en": "Back in the outbox"},
    "report.no_fix_yet": {"zh": "还没有位置：请等定位或在地图上选点",
                          "en": "No position yet: wait for the fix or pick on the map"},
    # -- drafts and the outbox ----------------------------------------------------------
    "nav.drafts": {"zh": "草稿", "en": "Drafts"},
    "drafts.title": {"zh": "草稿箱", "en": "Drafts"},
    "drafts.empty": {"zh": "没有草稿", "en": "No drafts"},
    "drafts.row": {"zh": "{time} · {what}", "en": "{time} · {what}"},
    "outbox.row": {"zh": "{time} · {what}", "en": "{time} · {what}"},
    "outbox.deleted": {"zh": "已删除", "en": "Deleted"},
    "outbox.busy": {"zh": "正在发送，稍后再试", "en": "Being sent: try again in a moment"},
    "outbox.delete_warn": {"zh": "删除后此条不会上报，确定删除？",
                           "en": "Deleted items are never sent. Delete?"},
    "fix.hint": {"zh": "修改后重发", "en": "Fix it and send again"},
    # -- task cards ---------------------------------------------------------------------
    "task.photo": {"zh": "拍现场照片", "en": "Take a site photo"},
    "task.photo_ok": {"zh": "现场照片已拍（{kb} KB）", "en": "Site photo taken ({kb} KB)"},
    "task.need_photo": {"zh": "请先拍现场照片，再选择结果", "en": "Take a site photo first"},
    "task.feedback": {"zh": "处置反馈：{note}", "en": "Department feedback: {note}"},
    "task.no_feedback": {"zh": "（暂无处置反馈）", "en": "(no feedback yet)"},
    "task.loading": {"zh": "正在载入案件详情…", "en": "Loading the case…"},
    "task.photos": {"zh": "照片：上报 {before} · 处置后 {after}",
                    "en": "Photos: {before} reported · {after} after"},
    "task.refused": {"zh": "上次提交被拒：{reason}", "en": "Last answer refused: {reason}"},
    "task.queued": {"zh": "已提交，联网后发送", "en": "Answered; sent when online"},
    # -- Android: permissions asked at first use, the camera app, the background service ------
    "perm.camera.why": {"zh": "拍照上报需要使用相机。接下来系统会询问，请选择“允许”。",
                        "en": "Reports need the camera. Android will ask next: choose Allow."},
    "perm.location.why": {
        "zh": "上报位置、考勤打卡和巡查轨迹需要精确位置。接下来请选择“使用应用时允许”，"
              "并保持“精确位置”开启。",
        "en": "Report positions, clock-in and the patrol track need your precise location. "
              "Choose 'While using the app' next and keep 'Precise' on."},
    "perm.background_location.why": {
        "zh": "为了锁屏或切换到其他应用时继续记录巡查轨迹，请在接下来的页面选择“始终允许”。"
              "不允许也可以：轨迹仍由通知栏中的后台服务记录。",
        "en": "To keep the patrol track while the screen is locked or another app is open, "
              "choose 'Allow all the time' next. You may refuse: the service in the "
              "notification bar still records it."},
    "perm.microphone.why": {"zh": "按住说话需要使用麦克风录制语音说明。",
                            "en": "Hold-to-talk needs the microphone for voice notes."},
    "perm.notifications.why": {
        "zh": "通知栏会显示后台发送和巡查轨迹的状态，请允许通知。",
        "en": "The notification bar shows background sending and the patrol track: allow "
              "notifications."},
    "perm.refused.camera": {"zh": "未获得相机权限，无法拍照上报。",
                            "en": "No camera permission: photos cannot be taken."},
    "perm.refused.location": {"zh": "未获得精确位置权限，无法定位、打卡或记录轨迹。",
                              "en": "No precise location permission: no fix, clock-in or "
                                    "track."},
    "perm.refused.background_location": {
        "zh": "未获得“始终允许”定位：轨迹只在后台服务运行时记录。",
        "en": "Location not allowed all the time: the track is recorded while the service "
              "runs."},
    "perm.refused.microphone": {"zh": "未获得麦克风权限，无法录制语音。",
                                "en": "No microphone permission: no voice notes."},
    "perm.refused.notifications": {"zh": "通知未开启：后台服务照常运行，但通知栏不显示其状态。",
                                   "en": "Notifications off: the service runs, its status is "
                                         "not shown."},
    "perm.how": {"zh": "请在“设置 › 应用 › 城管通 › 权限”中开启。",
                 "en": "Turn it on in Settings › Apps › City Patrol › Permissions."},
    "perm.retry": {"zh": "再次点按时会重新询问。", "en": "Tap again to be asked again."},
    "perm.continue": {"zh": "继续", "en": "Continue"},
    "perm.settings": {"zh": "打开设置", "en": "Open settings"},
    "perm.ok": {"zh": "知道了", "en": "OK"},
    "camera.no_app": {"zh": "手机上没有可用的相机应用", "en": "No camera app on this phone"},
    "camera.failed": {"zh": "相机没有保存照片，请重拍", "en": "The camera saved no photo; retry"},
    "camera.inapp_title": {"zh": "相机（应用内）", "en": "Camera (in the app)"},
    "camera.inapp_shoot": {"zh": "拍照", "en": "Take photo"},
    "service.channel": {"zh": "后台发送与巡查轨迹", "en": "Sending and patrol track"},
    "service.idle": {"zh": "发件箱已清空", "en": "Outbox empty"},
    "service.pending": {"zh": "待发送 {n} 项", "en": "{n} waiting to send"},
    "service.offline": {"zh": "无网络，联网后自动发送", "en": "offline, sent when online"},
    "service.relogin": {"zh": "请重新登录后发送", "en": "sign in again to send"},
    "service.tracking": {"zh": "巡查轨迹记录中", "en": "Recording the patrol track"},
}

#: A server refusal by its code, in the user's words, with what to do. A code this phone
#: does not know (a newer server) is framed in the user's words around the server's own
#: message (often English): "refused by the server (…): check and send again".
REFUSALS: dict[str, dict[str, str]] = {
    "invalid": {"zh": "内容不合格（{field}），请修改后重发",
                "en": "Something is wrong with {field}: fix it and send again"},
    "invalid_photo": {"zh": "照片无法识别，请重拍后重发",
                      "en": "The photo is unreadable: retake it"},
    "no_photo": {"zh": "缺少现场照片，请拍照后重发", "en": "A site photo is needed: take one"},
    "invalid_voice": {"zh": "语音无法识别，请删除语音或重录", "en": "The voice note is unreadable"},
    "too_large": {"zh": "文件太大，请重拍或删除语音", "en": "A file is too large"},
    "outside_area": {"zh": "位置不在本市管理范围内，请重新定位或在地图上选点",
                     "en": "The position is outside the city: locate again or pick on the map"},
    "no_map": {"zh": "服务器尚无地图，请联系管理员", "en": "The server has no map yet"},
    "wrong_state": {"zh": "案件状态已变化（可能已被他人处理），无需再提交",
                    "en": "The case has moved on (someone else handled it)"},
    "not_your_case": {"zh": "此任务已不属于您", "en": "This task is no longer yours"},
    "role_not_allowed": {"zh": "您的账号无权进行此操作", "en": "Your account may not do this"},
    "not_found": {"zh": "服务器上找不到此案件或分类", "en": "Not found on the server"},
    "unknown_class": {"zh": "分类不存在，请重新选择分类", "en": "Unknown class: pick another"},
    "idempotency_conflict": {"zh": "手机重复提交冲突，请点“重发”",
                             "en": "Duplicate key on the phone: tap Send again"},
    "unauthorized": {"zh": "登录已失效，请重新登录（此条已保留）",
                     "en": "Signed out: sign in again (kept)"},
    "throttled": {"zh": "提交过于频繁，稍后自动重试", "en": "Too many requests: retried later"},
    "stale": {"zh": "案件刚被他人改动，请刷新任务后重新提交",
              "en": "The case just changed: refresh the tasks and answer again"},
    "no_case": {"zh": "服务器上找不到此案件，请刷新任务", "en": "No such case: refresh the tasks"},
    "unknown_action": {"zh": "服务器不支持此操作，请升级城管通后重发",
                       "en": "The server does not know this action: update the app"},
    "nothing_to_publish": {"zh": "没有可提交的部件变更，请修改后重发",
                           "en": "No asset change to send: edit it and send again"},
    "parse_error": {"zh": "提交的数据损坏，请修改后重发",
                    "en": "The data sent was damaged: edit it and send again"},
    "unsupported_media_type": {"zh": "提交格式不被服务器接受，请升级城管通后重发",
                               "en": "The server refused the format: update the app"},
    "permission_denied": {"zh": "您的账号无权进行此操作",
                          "en": "Your account may not do this"},
    "other": {"zh": "服务器拒收（{field}），请检查后重发",
              "en": "Refused by the server ({field}): check it and send again"},
}
#: Codes a 401 may carry: all mean "sign in again, the outbox is kept".
AUTH_CODES = {"token_expired": "unauthorized", "authentication_failed": "unauthorized",
              "not_authenticated": "unauthorized"}
#: Form fields as the user knows them (for "invalid" refusals).
FIELD_NAMES: dict[str, dict[str, str]] = {
    "photo": {"zh": "照片", "en": "the photo"},
    "lat": {"zh": "位置", "en": "the position"},
    "lon": {"zh": "位置", "en": "the position"},
    "accuracy_m": {"zh": "定位精度", "en": "the accuracy"},
    "class_code": {"zh": "分类", "en": "the class"},
    "component_code": {"zh": "部件", "en": "the asset"},
    "description": {"zh": "描述", "en": "the description"},
    "voice": {"zh": "语音", "en": "the voice note"},
    "result": {"zh": "结果", "en": "the result"},
    "note": {"zh": "说明", "en": "the note"},
}


def t(key: str, lang: str = DEFAULT_LANG, **params) -> str:
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANG]
    return text.format(**params) if params else text


def refusal(code: str | None, field: str | None, message: str | None,
            lang: str = DEFAULT_LANG) -> str:
    """A refusal in the user's language with what to do; the server's message (in its own
    words) only for a code this phone does not know."""
    code = AUTH_CODES.get(code or "", code)
    entry = REFUSALS.get(code or "")
    if code == "invalid" and (field == "photo" or "'photo'" in (message or "")):
        # The photo's own refusal: it is missing (a photo that cannot be read comes as
        # ``invalid_photo``). Servers before ``field`` named it only in the English message.
        entry = REFUSALS["no_photo"]
    if entry is None:
        entry = REFUSALS["other"]
        return (entry.get(lang) or entry[DEFAULT_LANG]).format(
            field=message or code or "?")
    name = FIELD_NAMES.get(field or "", {}).get(lang) or field or t("report.description", lang)
    return (entry.get(lang) or entry[DEFAULT_LANG]).format(field=name)


def item_state(item, lang: str = DEFAULT_LANG) -> str:
    """The outbox state line of an item, as the outbox screen shows it."""
    if item.state == "sent":
        return t("state.sent", lang, number=item.case_number or "")
    if item.state == "refused":
        return t("state.refused", lang, reason=refusal(item.reason_code, item.reason_field,
                                                       item.reason, lang))
    if item.state == "waiting" and item.reason_code == "unauthorized":
        return t("state.waiting", lang) + " · " + refusal("unauthorized", None, None, lang)
    return t(f"state.{item.state}", lang)


def age(seconds: float, lang: str = DEFAULT_LANG) -> str:
    """'3 秒前', '2 分钟前', '1 小时前'."""
    s = max(0, int(seconds))
    if s < 60:
        return t("age.s", lang, n=s)
    if s < 3600:
        return t("age.m", lang, n=s // 60)
    return t("age.h", lang, n=s // 3600)
