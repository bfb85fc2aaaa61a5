#!/usr/bin/python3
"""Reads baitiao report files back with an independent reader (openpyxl) and
prints what a finance user would see, one fact per line, for t/itest_report.c
to assert on:

  sheet FILE | SHEET
  title FILE | SHEET | A1 text
  header FILE | SHEET | label|label|...
  format FILE | SHEET | LABEL | number format of the first data cell
  freeze FILE | SHEET | CELL
  autofilter FILE | SHEET | RANGE
  rows FILE | SHEET | N              data rows (between the header and totals)
  total FILE | SHEET | LABEL | FEN   the totals row, in fen (yuan x 100)
  sum FILE | SHEET | LABEL | FEN     the data cells of the column added up, in fen
  charts FILE | SHEET | N
  property FILE | title | TEXT

The header is the row above the frozen panes; the totals row is the row whose
first cell is 合计 or Total. Exits non-zero when a file cannot be read.
"""
import os
import sys
from decimal import Decimal

import openpyxl

TOTAL_LABELS = ("合计", "Total")


def fen(value):
    # Cells hold yuan as a double; the fen it stands for is the nearest integer.
    return int((Decimal(repr(value)) * 100).to_integral_value())


def describe(path):
    name = os.path.basename(path)
    wb = openpyxl.load_workbook(path)
    print(f"property {name} | title | {wb.properties.title}")
    for ws in wb.worksheets:
        sheet = ws.title
        print(f"sheet {name} | {sheet}")
        print(f"title {name} | {sheet} | {ws['A1'].value}")
        print(f"freeze {name} | {sheet} | {ws.freeze_panes}")
        print(f"autofilter {name} | {sheet} | {ws.auto_filter.ref}")
        print(f"charts {name} | {sheet} | {len(ws._charts)}")
        if not ws.freeze_panes:
            continue
        first_data = ws[ws.freeze_panes].row
        header_row = first_data - 1
        labels = []
        for cell in ws[header_row]:
            if cell.value is None:
                break
            labels.append(str(cell.value))
        print(f"header {name} | {sheet} | {'|'.join(labels)}")
        total_row = None
        for r in range(first_data, ws.max_row + 1):
            if ws.cell(r, 1).value in TOTAL_LABELS:
                total_row = r
                break
        last_data = (total_row - 1) if total_row else ws.max_row
        print(f"rows {name} | {sheet} | {max(0, last_data - first_data + 1)}")
        for c, label in enumerate(labels, start=1):
            if last_data >= first_data:
                print(f"format {name} | {sheet} | {label} | {ws.cell(first_data, c).number_format}")
                print(f"first {name} | {sheet} | {label} | {ws.cell(first_data, c).value}")
            cells = [ws.cell(r, c) for r in range(first_data, last_data + 1)]
            if any(cell.number_format == "#,##0.00" for cell in cells):
                total = sum(fen(cell.value) for cell in cells if isinstance(cell.value, (int, float)))
                print(f"sum {name} | {sheet} | {label} | {total}")
            if total_row:
                v = ws.cell(total_row, c).value
                if isinstance(v, (int, float)):
                    shown = fen(v) if ws.cell(total_row, c).number_format == "#,##0.00" else int(v)
                    print(f"total {name} | {sheet} | {label} | {shown}")


def main(paths):
    if not paths:
        print("usage: check_xlsx.py FILE.xlsx...", file=sys.stderr)
        return 2
    for path in paths:
        describe(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
