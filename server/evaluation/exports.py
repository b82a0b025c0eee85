"""The ranking tables as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) or XLSX
(one sheet per entity type), with Chinese and English headers side by side.

Every file names the period and the evaluation rules its figures were computed with
(``about``): the CSV's first row, and the second row of every XLSX sheet (and the workbook's
subject), so a file read months later still says which rules made it."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse

from server.evaluation.labels import TRENDS, counter_label
from workflows.scoring import ALL_COUNTERS, Period, Scores

ORDER = ALL_COUNTERS + ("missed",)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_rows(table: dict) -> list[list]:
    """Header + one row per entity of one entity type's table."""
    counters = [c for c in ORDER if any(c in r["counters"] for r in table["rows"])]
    header = ["类别 Kind", "排名 Rank", "对象 Entity", "名称 Name", "综合得分 Composite",
              "等级 Grade", "样本量 Volume", "上期得分 Previous", "趋势 Trend"]
    header += [f"{r['zh']} {r['en']}" for r in table["rates"]]
    header += [counter_label(c) for c in counters]
    out = [header]
    for r in table["rows"]:
        row = [f"{table['zh']} {table['en']}", r["rank"] if r["rank"] is not None else "—",
               r["entity"], r["name"], "—" if r["composite"] is None else r["composite"],
               r["grade"] or "—", r["volume"], r["previous"],
               TRENDS[r["trend"]][0]]
        row += [round(r["rates"][x["name"]], 4) if r["rates"][x["name"]] is not None else ""
                for x in table["rates"]]
        row += [r["counters"].get(c, 0) for c in counters]
        out.append(row)
    return out


def about(period: Period, scores: Scores, pub=None) -> list:
    """The row naming the period, the rules (version and content hash) and the publication
    (its revision, or provisional: computed live)."""
    return ["综合评价 Evaluation", str(period), "规则版本 Rules version", scores.rules_version,
            "规则摘要 Rules digest", scores.rules_digest, "发布版本 Published revision",
            pub.revision if pub is not None else "未发布 provisional"]


def to_csv(period: Period, scores: Scores, tables: list[dict], pub=None) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(about(period, scores, pub))
    for table in tables:
        writer.writerow([])
        writer.writerows(table_rows(table))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(period: Period, scores: Scores, tables: list[dict], pub=None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    book.properties.subject = (f"rules {scores.rules_version} {scores.rules_digest}"
                               + (f" revision {pub.revision}" if pub is not None else ""))
    for table in tables:
        sheet = book.create_sheet(f"{table['zh']} {table['en']}"[:31])
        sheet.append([f"综合评价 Evaluation {period}"])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(about(period, scores, pub)[2:])
        for row in table_rows(table):
            sheet.append(row)
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "C4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def response(fmt: str, period: Period, tables: list[dict], scores: Scores,
             pub=None) -> HttpResponse:
    """The tables as a file; ``scores`` are the ones the tables came from (their rules), ``pub``
    the publication they were read from (None: computed live)."""
    name = f"evaluation-{period}".replace("..", "_") + (f"-r{pub.revision}" if pub else "")
    if fmt == "xlsx":
        resp = HttpResponse(to_xlsx(period, scores, tables, pub), content_type=XLSX)
    else:
        resp = HttpResponse(to_csv(period, scores, tables, pub),
                            content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return resp


__all__ = ["about", "response", "to_csv", "to_xlsx", "table_rows"]
