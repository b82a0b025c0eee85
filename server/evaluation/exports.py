"""The ranking tables as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) or XLSX
(one sheet per entity type), with Chinese and English headers side by side.

Every file names the period and the evaluation rules its figures were computed with
(``about``): the CSV's first row, and the second row of every XLSX sheet (and the workbook's
subject), so a file read months later still says which rules made it.

No text reaches a cell as a formula (CSV and formula injection, OWASP): a text beginning with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return, such as a department or user name set to
``=HYPERLINK(...)``, is written as text. In the CSV it gets a leading ``'`` (spreadsheet
programs read it as "text follows"); in the XLSX it is a string cell with Excel's quote prefix
(the same mark, kept in the cell's style), so it reads exactly as written. Numbers, negative
ones included, stay numbers."""

from __future__ import annotations

import csv
import io
import re

from django.http import HttpResponse

from server.evaluation.labels import TRENDS, counter_label
from workflows.scoring import ALL_COUNTERS, Period, Scores

ORDER = ALL_COUNTERS + ("missed",)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: How a spreadsheet program recognises a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_formula_like(value) -> bool:
    """A text a spreadsheet program would run as a formula (a number written as text, such as
    "-0.5", is no formula)."""
    return (isinstance(value, str) and value.startswith(FORMULA_START)
            and not _NUMBER.fullmatch(value))


def csv_cell(value):
    """``value`` as a CSV cell that is never a formula: formula-like text gets a leading ``'``."""
    return "'" + value if is_formula_like(value) else value


def _csv_rows(rows):
    return ([csv_cell(v) for v in row] for row in rows)


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
    writer.writerows(_csv_rows([about(period, scores, pub)]))
    for table in tables:
        writer.writerow([])
        writer.writerows(_csv_rows(table_rows(table)))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _append(sheet, row: list) -> None:
    """``row`` appended to ``sheet``, formula-like text as text (openpyxl would store a text
    beginning with "=" as a formula)."""
    sheet.append(row)
    for cell in sheet[sheet.max_row]:
        if is_formula_like(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


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
        _append(sheet, about(period, scores, pub)[2:])
        for row in table_rows(table):
            _append(sheet, row)
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


__all__ = ["about", "csv_cell", "is_formula_like", "response", "to_csv", "to_xlsx", "table_rows"]
