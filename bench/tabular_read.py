"""Benchmark: reading a large .xlsx with openpyxl (read-only) and python-calamine.

    .venv/bin/python bench/tabular_read.py               # 200,000 rows x 7 columns
    .venv/bin/python bench/tabular_read.py --rows 50000

Generates a workbook of sales orders (text, a date and a number per row, as
an export from an order system is) into a temporary directory, then reads
every row's values with each library, each in a fresh subprocess so that its
peak memory is its own (python-calamine allocates in Rust, which tracemalloc
does not see: the figure is the process's peak resident set, ``VmHWM``,
less what the interpreter and the imports hold before reading). Then the same
file through ``perfloop.tabular.open_table`` (the reader the application
uses), and a CSV of the same rows through it for comparison.

Prints rows/s and peak memory for each and the ratio; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

FIELDS: list[object] = [
    "order_id",
    "owner_email",
    "customer_id",
    "order_date",
    "amount",
    "status",
    "deal_type",
]
STATUSES = ["paid"] * 7 + ["pending", "refunded", "cancelled"]
DEALS = ["new", "expansion", "renewal"]
START = dt.date(2025, 1, 1)


def rows(count: int) -> Iterator[list[object]]:
    people = [f"sales{i:02d}@demo.perfloop.dev" for i in range(60)]
    for i in range(count):
        yield [
            f"SO-{i:08d}",
            people[(i * 7) % len(people)],
            f"C{(i * 31) % 5003:05d}",
            START + dt.timedelta(days=i * 90 // count),
            ((i * 7919) % 100000) / 10,
            STATUSES[i % len(STATUSES)],
            DEALS[(i // 3) % len(DEALS)],
        ]


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
<Override PartName="/xl/sharedStrings.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Target="xl/workbook.xml" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>\
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheets><sheet name="orders" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Target="worksheets/sheet1.xml" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>\
<Relationship Id="rId2" Target="styles.xml" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"/>\
<Relationship Id="rId3" Target="sharedStrings.xml" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>\
</Relationships>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>\
<borders count="1"><border/></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""
EXCEL_EPOCH = dt.date(1899, 12, 30)


def column_letter(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


def write_xlsx(path: Path, count: int) -> None:
    """A workbook as Excel and WPS save one: text in the shared strings table,
    dates as serial numbers with a date format (openpyxl writes every text
    cell inline, which its own reader parses several times more slowly)."""
    strings: dict[str, int] = {}

    def shared(text: str) -> int:
        return strings.setdefault(text, len(strings))

    lines = []
    for r, row in enumerate([FIELDS, *rows(count)], 1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{column_letter(c)}{r}"
            if isinstance(value, str):
                cells.append(f'<c r="{ref}" t="s"><v>{shared(value)}</v></c>')
            elif isinstance(value, dt.date):
                serial = (value - EXCEL_EPOCH).days
                cells.append(f'<c r="{ref}" s="1"><v>{serial}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        lines.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:G{count + 1}"/><sheetData>{"".join(lines)}</sheetData></worksheet>'
    )
    table = "".join(f"<si><t>{html.escape(s)}</t></si>" for s in strings)
    shared_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">{table}</sst>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/styles.xml", _STYLES)
        z.writestr("xl/sharedStrings.xml", shared_xml)
        z.writestr("xl/worksheets/sheet1.xml", sheet)


def write_xlsx_openpyxl(path: Path, count: int) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("orders")
    sheet.append(FIELDS)
    for row in rows(count):
        sheet.append(row)
    workbook.save(path)


def generate(directory: Path, count: int, *, inline: bool = False) -> tuple[Path, Path]:
    xlsx = directory / "orders.xlsx"
    (write_xlsx_openpyxl if inline else write_xlsx)(xlsx, count)
    path = directory / "orders.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(FIELDS)
        for row in rows(count):
            out.writerow(v.isoformat() if isinstance(v, dt.date) else v for v in row)
    return xlsx, path


def peak_mb() -> float:
    """This process's peak resident set (VmHWM: unlike ru_maxrss, not carried
    over from the parent that forked it)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- one reader, in a subprocess ---------------------------------------------------


def read_openpyxl(path: Path) -> int:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        return sum(1 for _ in sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def read_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    try:
        sheet = workbook.get_sheet_by_index(0)
        return sum(1 for _ in sheet.iter_rows())
    finally:
        workbook.close()


def read_tabular(path: Path) -> int:
    from perfloop.tabular import open_table

    with open_table(path) as table:
        return 1 + sum(1 for _ in table)


READERS = {"openpyxl": read_openpyxl, "calamine": read_calamine, "tabular": read_tabular}


def child(reader: str, path: Path) -> None:
    read = READERS[reader]
    if reader == "tabular":
        import perfloop.tabular  # noqa: F401  (the imports are not the reading)
    elif reader == "openpyxl":
        import openpyxl  # noqa: F401
    else:
        import python_calamine  # noqa: F401
    before = peak_mb()
    started = time.perf_counter()
    count = read(path)
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": count, "seconds": seconds, "mb": peak_mb() - before}))


def measure(reader: str, path: Path) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603  (this interpreter, this script)
        [sys.executable, __file__, "--child", reader, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--child", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        xlsx, csv_path = generate(Path(tmp), args.rows)
        size = xlsx.stat().st_size / 1e6
        took = time.perf_counter() - started
        print(f"{args.rows:,} rows x {len(FIELDS)} columns: {size:.1f} MB .xlsx ({took:.1f} s)")
        results = {}
        for label, reader, path in (
            ("openpyxl read_only", "openpyxl", xlsx),
            ("python-calamine", "calamine", xlsx),
            ("perfloop.tabular .xlsx", "tabular", xlsx),
            ("perfloop.tabular .csv", "tabular", csv_path),
        ):
            r = measure(reader, path)
            results[label] = r
            rate = r["rows"] / r["seconds"]
            print(
                f"  {label:24} {rate:>10,.0f} rows/s {r['seconds']:6.2f} s  peak +{r['mb']:.1f} MB"
            )
        o, c = results["openpyxl read_only"], results["python-calamine"]
        speed = (c["rows"] / c["seconds"]) / (o["rows"] / o["seconds"])
        memory = c["mb"] / max(o["mb"], 0.1)
        print(f"calamine / openpyxl: {speed:.1f}x the speed, {memory:.1f}x the peak memory")


if __name__ == "__main__":
    main()
