"""bench.intake's floor (地板): a bare durable-upload view, the least a report request can cost on
this server. Installed and routed only when ``DCM_BENCH_FLOOR=1`` (``settings.BENCH_FLOOR``):
never in a normal deployment. Imports only Django, DRF and the project's token authentication.
"""
