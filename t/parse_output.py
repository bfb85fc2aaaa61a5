#!/usr/bin/python3
"""Reads baitiao's machine-readable output back with Python's own parsers, for the
tests in t/itest_output.c to assert on, one record per line:

  csv FILE     each record of an RFC 4180 file (csv module, strict), its fields
               as JSON strings joined by a space; a UTF-8 BOM is taken off first
               and "bom" printed when there was one
  json FILE    each object of a JSON array (or of the "runs" array and the "facts"
               object of baitiao status): its values as JSON, joined by a space
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
        first = ws[ws.freeze_panes].row - 1 if ws.freeze_panes else 1
        for row in ws.iter_rows(min_row=first):
            for cell in row:
                if cell.value is not None:
                    v = cell.value
                    print(f"{ws.title}!{cell.coordinate} {json.dumps(v if isinstance(v, (int, float, str)) else str(v), ensure_ascii=False)}")


def main(argv):
    if len(argv) != 3 or argv[1] not in ("csv", "json", "xlsx"):
        print("usage: parse_output.py csv|json|xlsx FILE", file=sys.stderr)
        return 2
    {"csv": read_csv, "json": read_json, "xlsx": read_xlsx}[argv[1]](argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
