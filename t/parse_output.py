#!/usr/bin/python3
"""Reads baitiao's machine-readable output back with Python's own parsers, for the
tests in t/itest_output.c to assert on, one record per line:

  csv FILE     each record of an RFC 4180 file (csv module, strict), its fields
               as JSON strings joined by a space; a UTF-8 BOM is taken off first
               and "bom" printed when there was one
  json FILE    each object of a JSON array (or of the "runs" array and the "facts"
               object of baitiao status): its values as JSON, joined by a space
  rows FILE    the data rows of the first sheet with frozen panes (header down to
               the totals row), each cell as the text a CSV export holds (money
               0.00 from the yuan, counts whole, dates YYYY-MM-DD), like csv FILE
  xlsx FILE    every cell from the header row down of every sheet: "SHEET!CELL
               JSON", the cells an independent reader sees (openpyxl)

Exits non-zero when the file does not parse.
"""
import csv
import io
import json
import sys


def show(values):
    print(" ".join(json.dumps(v, ensure_ascii=False) for v in values))


def read_csv(path):
    data = open(path, "rb").read()
    if data.startswith(b"\xef\xbb\xbf"):
        print("bom")
        data = data[3:]
    text = data.decode("utf-8", errors="strict")
    # RFC 4180: CRLF line ends; a bare LF may only appear inside a quoted field
    for record in csv.reader(io.StringIO(text, newline=""), strict=True):
        show(record)


def read_json(path):
    doc = json.load(open(path, encoding="utf-8"))
    if isinstance(doc, dict):
        for key, value in doc["facts"].items():
            show([key, value])
        doc = doc["runs"]
    for obj in doc:
        show(list(obj.keys()))
        show(list(obj.values()))


def read_xlsx(path):
    import openpyxl
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        # from the header row down; the cover (no frozen header) shows this run's
        # times and repeats the sheets' totals, so it is not compared
        if not ws.freeze_panes:
            continue
        first = ws[ws.freeze_panes].row - 1
        for row in ws.iter_rows(min_row=first):
            for cell in row:
                if cell.value is not None:
                    v = cell.value
                    print(f"{ws.title}!{cell.coordinate} {json.dumps(v if isinstance(v, (int, float, str)) else str(v), ensure_ascii=False)}")


def as_csv_text(cell):
    from decimal import Decimal
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d")
    if cell.number_format == "#,##0.00":
        return str(Decimal(repr(v)).quantize(Decimal("0.01")))
    if cell.number_format == "#,##0":
        return str(int(v))
    return repr(v)


def read_rows(path):
    import openpyxl
    wb = openpyxl.load_workbook(path)
    ws = next(w for w in wb.worksheets if w.freeze_panes)
    header = ws[ws.freeze_panes].row - 1
    width = sum(1 for c in ws[header] if c.value is not None)
    for row in ws.iter_rows(min_row=header, max_col=width):
        if row[0].value in ("合计", "Total"):
            break
        show([as_csv_text(c) for c in row])


def main(argv):
    modes = {"csv": read_csv, "json": read_json, "rows": read_rows, "xlsx": read_xlsx}
    if len(argv) != 3 or argv[1] not in modes:
        print("usage: parse_output.py csv|json|rows|xlsx FILE", file=sys.stderr)
        return 2
    modes[argv[1]](argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
