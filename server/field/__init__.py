"""Field work of the supervisors' handsets: attendance (考勤), patrol tracks (巡查轨迹),
nearby components and the duty map for offline use, and component updates (部件更新) that the
map keeper (地图维护员) approves and publishes into the next map version.

Owns its own tables only. Map data is read through ``server.maps.index`` (the placement index of
the active version) and written only through ``server.maps.store.store_city``; case state is
never touched here.
"""
