#!/usr/bin/python3
"""Reads baitiao report files with an independent reader (openpyxl) and prints,
one fact per line, every figure a report's footing rests on, for
t/itest_footing.c to compare with its own SQL (written there, not taken from the
specs) to the fen:

  total FILE | SHEET | COLUMN | N            the totals row (合计 / Total)
  sum FILE | SHEET | COLUMN | N              the data rows of the column added up
  cell FILE | SHEET | ROW | COLUMN | N       a data row's cell, the row named by its
                                             first cell
  foot FILE | SHEET | LABEL | COLUMN | N     a foot line (a GL figure) under the totals
  difference FILE | SHEET | COLUMN | N       the difference row (total − GL)
  flagged FILE | SHEET | COLUMN | yes|no     the difference cell is marked in red
  rows FILE | SHEET | N                      data rows

Money cells (#,##0.00) are given in fen, others as whole numbers. A sheet whose
totals row is missing or a foot block without its difference row is an error
(exit 1), so a report that lost its footing cannot pass unnoticed.
"""
import datetime
import os
import sys
from decimal import Decimal

import openpyxl

TOTAL_LABELS = ("合计", "Total")
DIFFERENCE_PREFIXES = ("差异", "Difference")


def number(cell):
    v = cell.value
    if not isinstance(v, (int, float)):
        return None
    if "0.00" in (cell.number_format or "") and "%" not in cell.number_format:
        return int((Decimal(repr(v)) * 100).to_integral_value())
    return int(v)


def row_name(cell):
    """A row is named by its first cell; a date cell by its date (YYYY-MM-DD)."""
    v = cell.value
    if isinstance(v, datetime.datetime) and v.time() == datetime.time(0):
        return v.date().isoformat()
    return v


def flagged(cell):
    fill = cell.fill
    return fill is not None and fill.fgColor is not None and fill.fgColor.rgb not in (None, "00000000") \
        and fill.fill_type == "solid"


def describe(path, out):
    name = os.path.basename(path)
    # totals are SUBTOTAL formulas: their cached values are what a reader without
    # recalculation sees, and what must foot
    wb = openpyxl.load_workbook(path, data_only=True)
    ok = True
    for ws in wb.worksheets:
        sheet = ws.title
        if not ws.freeze_panes:
            continue
        first = ws[ws.freeze_panes].row
        labels = []
        for cell in ws[first - 1]:
            if cell.value is None:
                break
            labels.append(str(cell.value))
        total_row = None
        for r in range(first, ws.max_row + 1):
            if ws.cell(r, 1).value in TOTAL_LABELS:
                total_row = r
                break
        if total_row is None:
            continue
        out.append(f"rows {name} | {sheet} | {total_row - first}")
        for c, label in enumerate(labels, start=1):
            cells = [ws.cell(r, c) for r in range(first, total_row)]
            values = [number(x) for x in cells]
            if any(v is not None for v in values):
                out.append(f"sum {name} | {sheet} | {label} | {sum(v for v in values if v is not None)}")
            for r, v in zip(range(first, total_row), values):
                if v is not None:
                    out.append(f"cell {name} | {sheet} | {row_name(ws.cell(r, 1))} | {label} | {v}")
            t = number(ws.cell(total_row, c))
            if t is not None:
                out.append(f"total {name} | {sheet} | {label} | {t}")
        r = total_row + 1
        feet = 0
        while r <= ws.max_row and ws.cell(r, 1).value is not None:
            first_cell = str(ws.cell(r, 1).value)
            is_difference = first_cell.startswith(DIFFERENCE_PREFIXES)
            for c, label in enumerate(labels[1:], start=2):
                v = number(ws.cell(r, c))
                if v is None:
                    continue
                if is_difference:
                    out.append(f"difference {name} | {sheet} | {label} | {v}")
                    out.append(f"flagged {name} | {sheet} | {label} | {'yes' if flagged(ws.cell(r, c)) else 'no'}")
                else:
                    out.append(f"foot {name} | {sheet} | {first_cell} | {label} | {v}")
            if is_difference:
                break
            feet += 1
            r += 1
        else:
            if feet:
                print(f"{name} | {sheet}: foot lines without a difference row", file=sys.stderr)
                ok = False
    return ok


def main(paths):
    if not paths:
        print("usage: foot_check.py FILE.xlsx...", file=sys.stderr)
        return 2
    out = []
    ok = all([describe(p, out) for p in paths])
    print("\n".join(out))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
