"""The attack suite: every operation of ``/api/schema/`` fuzzed as every role, anonymously and
with a revoked token, against a real server on each backend (``bench.attack``'s prober, a few
examples per operation here; the bench runs the big one). The server process is watched: a
death fails the run, as does any 5xx or any answer that shows a role a planted secret or case
the access rules (``server.accounts.access``) do not let it see. The findings file names each
request (as a curl command) and what it showed."""

from __future__ import annotations

import json

from bench.attack import ROLES, attack_server

EXAMPLES = 1  # per operation and role: make test's share; ``python -m bench.attack`` runs more


def test_no_death_no_5xx_no_leak_for_any_role(live, tmp_path):
    findings = tmp_path / "findings.jsonl"
    found = attack_server(live, examples=EXAMPLES, seed=2026, findings=findings, roles=ROLES,
                          restart=False)
    report = [json.loads(line) for line in findings.read_text().splitlines()] \
        if findings.exists() else []
    assert live.proc.poll() is None, "the server died"
    assert found["server_deaths"] == 0, report
    assert found["status_5xx"] == 0, [r for r in report if r["what"] == "5xx"]
    assert found["leaks"] == 0, [r for r in report if r["what"] == "leak"]
    assert found["covered"] == found["operations"], found["operations"] - found["covered"]
    assert set(found["roles"]) == set(ROLES)
