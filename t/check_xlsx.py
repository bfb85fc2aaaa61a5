#!/usr/bin/python3
"""Reads baitiao report files back with an independent reader (openpyxl, and the
chart XML itself) and prints what a finance user would see, one fact per line, for
t/itest_report.c to assert on:

  sheet FILE | SHEET                 every worksheet, in workbook order
  title FILE | SHEET | A1 text
  unit FILE | SHEET | TEXT           the line above the header
  header FILE | SHEET | label|label|...
  format FILE | SHEET | LABEL | number format of the first data cell
  first FILE | SHEET | LABEL | VALUE the first data cell (a date-time as YYYY-MM-DD HH:MM:SS)
  kind FILE | SHEET | LABEL | int|float|str|datetime|none   the first data cell's type
  cell FILE | SHEET | A8 | KIND | VALUE   each data cell of the first 50 rows
  freeze FILE | SHEET | CELL
  autofilter FILE | SHEET | RANGE
  page FILE | SHEET | ORIENTATION | fit WIDTHxHEIGHT | repeat ROWS
  pageheader FILE | SHEET | LEFT | RIGHT
  pagefooter FILE | SHEET | CENTER
  rows FILE | SHEET | N              data rows (between the header and totals)
  empty FILE | SHEET | TEXT          the line of a sheet without data rows
  total FILE | SHEET | LABEL | FEN   the totals row's cached value, in fen (yuan x 100)
  formula FILE | SHEET | LABEL | =…  the totals row's formula
  sum FILE | SHEET | LABEL | FEN     the data cells of the column added up, in fen
  charts FILE | SHEET | N
  property FILE | title | TEXT
  cover FILE | LINE                  each title-block line of the cover
  figure FILE | SHEET | ITEM | VALUE | =REF   a key figure: cached value (fen for
                                     money), the formula linking it to its cell
  figurecell FILE | SHEET | ITEM | VALUE      the value of the cell it links to
  link FILE | TEXT | LOCATION | ROWS a contents line: its internal link, data rows
  chart FILE | TITLE | KEY | VALUE   from xl/charts/chartN.xml: type, grouping,
                                     series, cat_axis (catAx/dateAx), cat_format,
                                     val_format, val_min, val_max, cat_cache
                                     (the first and last cached categories),
                                     val_points (points cached per series)

The header is the row above the frozen panes; the totals row is the row whose
first cell is 合计 or Total. Exits non-zero when a file cannot be read.
"""
import datetime
import os
import re
import sys
import zipfile
from decimal import Decimal
from xml.etree import ElementTree

import openpyxl

TOTAL_LABELS = ("合计", "Total")
MONEY = "#,##0.00"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def fen(value):
    # Cells hold yuan as a double; the fen it stands for is the nearest integer.
    return int((Decimal(repr(value)) * 100).to_integral_value())


def shown(cell, value):
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def kind(value):
    if value is None:
        return "none"
    if isinstance(value, datetime.datetime):
        return "datetime"
    return type(value).__name__


def is_empty_line(ws, row, ncols):
    # The engine's "no rows" line: column A only, in italics.
    a = ws.cell(row, 1)
    rest = [ws.cell(row, c).value for c in range(2, ncols + 1)]
    return isinstance(a.value, str) and a.font is not None and a.font.i and all(v is None for v in rest)


def describe_cover(name, ws, values):
    for r in range(1, 8):
        v = ws.cell(r, 1).value
        if v:
            print(f"cover {name} | {v}")
    for r in range(8, ws.max_row + 1):
        a, b, c = ws.cell(r, 1), ws.cell(r, 2), ws.cell(r, 3)
        if isinstance(c.value, str) and c.value.startswith("="):
            cached = values[ws.title].cell(r, 3).value
            shown_value = fen(cached) if c.number_format == MONEY else cached
            print(f"figure {name} | {a.value} | {b.value} | {shown_value} | {c.value}")
            m = re.match(r"^='?(.*?)'?!([A-Z]+[0-9]+)$", c.value)
            if m:
                target = values[m.group(1).replace("''", "'")][m.group(2)].value
                target_shown = fen(target) if c.number_format == MONEY else target
                print(f"figurecell {name} | {a.value} | {b.value} | {target_shown}")
        if a.hyperlink is not None:
            print(f"link {name} | {a.value} | {a.hyperlink.location} | {b.value}")


def describe_sheet(name, ws, values):
    sheet = ws.title
    print(f"title {name} | {sheet} | {ws['A1'].value}")
    print(f"freeze {name} | {sheet} | {ws.freeze_panes}")
    print(f"autofilter {name} | {sheet} | {ws.auto_filter.ref}")
    print(f"charts {name} | {sheet} | {len(ws._charts)}")
    ps = ws.page_setup
    fit = ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
    wide = 1 if ps.fitToWidth is None else ps.fitToWidth   # 1 is the default, left out
    high = 1 if ps.fitToHeight is None else ps.fitToHeight
    print(f"page {name} | {sheet} | {ps.orientation} | fit {f'{wide}x{high}' if fit else 'none'} | "
          f"repeat {ws.print_title_rows}")
    print(f"pageheader {name} | {sheet} | {ws.oddHeader.left.text} | {ws.oddHeader.right.text}")
    print(f"pagefooter {name} | {sheet} | {ws.oddFooter.center.text}")
    if not ws.freeze_panes:
        return
    first_data = ws[ws.freeze_panes].row
    header_row = first_data - 1
    print(f"unit {name} | {sheet} | {ws.cell(header_row - 1, 1).value}")
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
    if last_data == first_data and is_empty_line(ws, first_data, len(labels)):
        print(f"empty {name} | {sheet} | {ws.cell(first_data, 1).value}")
        last_data = first_data - 1
    print(f"rows {name} | {sheet} | {max(0, last_data - first_data + 1)}")
    vs = values[sheet]
    for r in range(first_data, min(last_data, first_data + 49) + 1):
        for c in range(1, len(labels) + 1):
            cell = ws.cell(r, c)
            print(f"cell {name} | {sheet} | {cell.coordinate} | {kind(cell.value)} | {shown(cell, cell.value)}")
    for c, label in enumerate(labels, start=1):
        if last_data >= first_data:
            cell = ws.cell(first_data, c)
            print(f"format {name} | {sheet} | {label} | {cell.number_format}")
            print(f"first {name} | {sheet} | {label} | {shown(cell, cell.value)}")
            print(f"kind {name} | {sheet} | {label} | {kind(cell.value)}")
        cells = [ws.cell(r, c) for r in range(first_data, last_data + 1)]
        if any(cell.number_format == MONEY for cell in cells):
            total = sum(fen(cell.value) for cell in cells if isinstance(cell.value, (int, float)))
            print(f"sum {name} | {sheet} | {label} | {total}")
        if total_row:
            f = ws.cell(total_row, c).value
            v = vs.cell(total_row, c).value
            if isinstance(f, str) and f.startswith("="):
                print(f"formula {name} | {sheet} | {label} | {f}")
            if isinstance(v, (int, float)):
                money = ws.cell(total_row, c).number_format == MONEY
                print(f"total {name} | {sheet} | {label} | {fen(v) if money else int(v)}")


def text_of(el):
    return "".join(t.text or "" for t in el.iter(A + "t")) if el is not None else ""


def cache_points(ref):
    if ref is None:
        return []
    pts = []
    for pt in ref.iter(C + "pt"):
        v = pt.find(C + "v")
        pts.append(v.text if v is not None else "")
    return pts


def describe_charts(name, path):
    with zipfile.ZipFile(path) as z:
        charts = sorted(n for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n))
        for part in charts:
            root = ElementTree.fromstring(z.read(part))
            title = text_of(root.find(f"{C}chart/{C}title"))
            plot = root.find(f"{C}chart/{C}plotArea")
            kinds = [el for el in plot if el.tag.endswith("Chart")]
            chart = kinds[0]
            grouping = chart.find(C + "grouping")
            series = chart.findall(C + "ser")
            facts = [("type", chart.tag[len(C):]), ("grouping", grouping.get("val") if grouping is not None else ""),
                     ("series", str(len(series)))]
            for axis_tag in ("catAx", "dateAx"):
                axis = plot.find(C + axis_tag)
                if axis is not None:
                    fmt = axis.find(C + "numFmt")
                    facts.append(("cat_axis", axis_tag))
                    facts.append(("cat_format", fmt.get("formatCode") if fmt is not None else ""))
            val = plot.find(C + "valAx")
            if val is not None:
                fmt = val.find(C + "numFmt")
                facts.append(("val_format", fmt.get("formatCode") if fmt is not None else ""))
                scaling = val.find(C + "scaling")
                for key in ("min", "max"):
                    el = scaling.find(C + key) if scaling is not None else None
                    facts.append((f"val_{key}", el.get("val") if el is not None else "auto"))
            if series:
                cats = cache_points(series[0].find(C + "cat"))
                facts.append(("cat_cache", f"{cats[0]} .. {cats[-1]}" if cats else "none"))
                facts.append(("val_points", ",".join(str(len(cache_points(s.find(C + "val")))) for s in series)))
                facts.append(("series_names", "|".join(",".join(cache_points(s.find(C + "tx"))) for s in series)))
            for key, value in facts:
                print(f"chart {name} | {title} | {key} | {value}")


def describe(path):
    name = os.path.basename(path)
    wb = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    print(f"property {name} | title | {wb.properties.title}")
    for i, ws in enumerate(wb.worksheets):
        print(f"sheet {name} | {ws.title}")
        if i == 0 and ws.title in ("封面", "Cover"):
            describe_cover(name, ws, values)
            continue
        describe_sheet(name, ws, values)
    describe_charts(name, path)


def main(paths):
    if not paths:
        print("usage: check_xlsx.py FILE.xlsx...", file=sys.stderr)
        return 2
    for path in paths:
        describe(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
