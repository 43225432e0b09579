"""Proof of the exports (issue 14): every register's .xlsx, opened by LibreOffice Calc (headless, converted to CSV),
holds the same rows as the API: the same cells as the API's CSV and the same records as its JSON list;
its dates read as 和暦 where the workbook formats them so."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pytest

from governance.accounts.roles import Role
from tests.helpers import api_token, make_user
from tests.integration.test_documents_libreoffice import _require_libreoffice

REGISTERS = (
    "contractors", "engagements", "selections", "checks", "findings", "external-services",
    "external-applications", "social-accounts", "notifications", "audit-entries",
)  # fmt: skip
ISO_SLASH = re.compile(r"^(\d{4})/(\d{2})/(\d{2})$")
US_STAMP = re.compile(r"^(\d{2})/(\d{2})/(\d{4}) (\d{2}:\d{2}(?::\d{2})?)$")
# LibreOffice's CSV filter: comma, double quote, UTF-8 (76), from line 1, ..., then "save cell contents as shown"
FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1041,false,true,{shown},false,false"


def convert(files: list[Path], outdir: Path, *, shown: bool) -> dict[str, list[list[str]]]:
    """Convert workbooks to CSV with LibreOffice Calc; return each file's rows."""
    soffice = _require_libreoffice()
    outdir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{outdir.parent}/lo-profile",
         "--convert-to", FILTER.format(shown=str(shown).lower()), "--outdir", str(outdir), *map(str, files)],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {}
    for f in files:
        converted = outdir / (f.stem + ".csv")
        assert converted.exists(), (f, result.stdout, result.stderr)
        rows[f.stem] = list(csv.reader(io.StringIO(converted.read_text(encoding="utf-8"))))
    return rows


def _dates_as_api(cell: str) -> str:
    """LibreOffice writes a date cell as 2026/03/25 and a date-time as 03/25/2026 14:37:00; the API's CSV as ISO."""
    if m := ISO_SLASH.match(cell):
        return f"{m[1]}-{m[2]}-{m[3]}"
    if m := US_STAMP.match(cell):
        return f"{m[3]}-{m[1]}-{m[2]} {m[4]}"
    return cell


async def _json_items(client, path: str, headers) -> list[dict]:
    """Every record of the API's JSON list (following the pages where it has them)."""
    items: list[dict] = []
    page = 1
    while True:
        # page/per_page lists, limit/offset lists (the audit log) and plain lists
        params = {"offset": len(items), "limit": 500} if path == "audit-entries" else {"page": page}
        response = await client.get(f"/api/v1/{path}", params=params, headers=headers)
        assert response.status_code == 200, (path, response.text[:300])
        body = response.json()
        if isinstance(body, list):
            return body
        items += body["items"]
        if len(items) >= body["total"] or not body["items"]:
            return items
        page += 1


async def test_each_register_opened_by_libreoffice_holds_the_api_rows(client, tmp_path):
    _require_libreoffice()
    from governance.demo import load_demo_data

    assert await load_demo_data()  # the demo city: every register has rows
    await make_user("kansa", Role.auditor, Role.security_officer)
    headers = await api_token(client, "kansa")
    files, api_csv, api_json = [], {}, {}
    for path in REGISTERS:
        xlsx = await client.get(f"/api/v1/{path}", params={"format": "xlsx"}, headers=headers)
        assert xlsx.status_code == 200, (path, xlsx.text[:300])
        target = tmp_path / f"{path}.xlsx"
        target.write_bytes(xlsx.content)
        files.append(target)
        response = await client.get(f"/api/v1/{path}", params={"format": "csv"}, headers=headers)
        assert response.status_code == 200 and response.content.startswith("\ufeff".encode()), path
        api_csv[path] = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        api_json[path] = await _json_items(client, path, headers)

    calc = convert(files, tmp_path / "raw", shown=False)
    shown = convert(files, tmp_path / "shown", shown=True)
    for path in REGISTERS:
        header, *rows = calc[path]
        api_header, *api_rows = api_csv[path]
        assert header == api_header, path
        assert len(rows) == len(api_json[path]) > 0, (path, len(rows), len(api_json[path]))
        assert [[_dates_as_api(c) for c in row] for row in rows] == api_rows, path
        # the same records as the JSON list (the first column is the record's number; the files run in id order,
        # which keyset chunking needs, while a JSON list may sort by name)
        assert sorted(row[0] for row in rows) == sorted(str(item["id"]) for item in api_json[path]), path
        # where the workbook holds a date, Calc shows it in 和暦
        date_columns = [i for i, c in enumerate(rows[0]) if ISO_SLASH.match(c)]
        for i in date_columns:
            assert re.match(r"^(令和|平成)(元|\d+)年\d+月\d+日", shown[path][1][i]), (
                path,
                header[i],
                shown[path][1][i],
            )
    assert any(ISO_SLASH.match(c) for row in calc["checks"][1:] for c in row)  # there were dates to read


@pytest.mark.parametrize("path", ["checks"])
async def test_a_formula_in_a_cell_stays_text_in_libreoffice(client, tmp_path, path):
    """What the register neutralises for Excel is also inert for Calc: the cell reads as typed, not evaluated."""
    _require_libreoffice()
    from governance.demo import load_demo_data
    from governance.verification.tables import Check

    await load_demo_data()
    first = await Check.select(Check.id).order_by(Check.id).first()
    await Check.update({Check.title: "=1+1"}).where(Check.id == first["id"])
    await make_user("kansa", Role.auditor, Role.security_officer)
    headers = await api_token(client, "kansa")
    xlsx = await client.get(f"/api/v1/{path}", params={"format": "xlsx"}, headers=headers)
    target = tmp_path / f"{path}.xlsx"
    target.write_bytes(xlsx.content)
    rows = convert([target], tmp_path / "out", shown=True)[path]
    column = rows[0].index("件名")
    titles = [row[column] for row in rows[1:]]
    assert "2" not in titles and any(t.endswith("=1+1") for t in titles), titles[:3]
