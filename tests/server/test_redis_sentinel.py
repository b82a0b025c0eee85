"""Settings for Redis through Sentinel and for a PostgreSQL standby (server/redis_sentinel.py,
server/settings.py). Following a real failover is scripts/cluster.sh's job, by hand."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.redis_sentinel import SentinelPool, parse_sentinels

REPO = Path(__file__).resolve().parents[2]


def test_sentinels_parse_and_a_bad_entry_is_named():
    assert parse_sentinels("10.0.0.7:26379, 10.0.0.8:26380,") == [("10.0.0.7", 26379),
                                                                   ("10.0.0.8", 26380)]
    with pytest.raises(ValueError, match="'10.0.0.9' is not host:port"):
        parse_sentinels("10.0.0.7:26379,10.0.0.9")
    with pytest.raises(ValueError, match="names no sentinel"):
        parse_sentinels(" , ")


def test_the_cache_pool_asks_the_sentinels_for_its_master():
    pool = SentinelPool.from_url("sentinel://dcm/1", sentinels=[("127.0.0.1", 1)])
    assert pool.service_name == "dcm" and pool.connection_kwargs["db"] == 1


def _settings(env):
    env = {**{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CACHE_URL")},
           "DCM_EMBEDDED": "1", "DJANGO_SETTINGS_MODULE": "server.settings", **env}
    code = ("import django; django.setup(); from django.conf import settings as s; import json;"
            "print(json.dumps([s.CHANNEL_LAYERS['default'], s.CACHES['default'],"
            " sorted(s.DATABASES)], default=str))")
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)


def test_sentinel_settings_reach_the_channel_layer_and_the_cache():
    out = _settings({"REDIS_SENTINELS": "127.0.0.1:26390,127.0.0.1:26391",
                     "REDIS_SENTINEL_MASTER": "city"})
    assert out.returncode == 0, out.stderr
    layer, cache, _ = json.loads(out.stdout.strip().splitlines()[-1])
    host = layer["CONFIG"]["hosts"][0]
    assert host["master_name"] == "city" and host["sentinels"] == [["127.0.0.1", 26390],
                                                                    ["127.0.0.1", 26391]]
    assert cache["OPTIONS"]["pool_class"] == "server.redis_sentinel.SentinelPool"
    bad = _settings({"REDIS_SENTINELS": "127.0.0.1"})
    assert bad.returncode != 0 and "is not host:port" in bad.stderr


def test_a_standby_must_be_postgis():
    out = _settings({"DATABASE_REPLICA_URL": "spatialite:///tmp/x.sqlite3"})
    assert out.returncode != 0 and "DATABASE_REPLICA_URL must be postgis://" in out.stderr
