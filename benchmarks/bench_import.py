"""A parish brings in its list: a 5,000-row spreadsheet (xlsx written by openpyxl, and the
same list as a Windows-1252 CSV) previewed and confirmed through the API, on a database
built by the migrations that already holds 2,000 families (so the preview compares every
row with them, and looks for possible duplicates at the same addresses).

The floor is the least the same file costs: openpyxl reading its cells (read-only, cached
values) with nothing else done, or csv reading the decoded text.

Run from the repository root:  .venv/bin/python benchmarks/bench_import.py
PostgreSQL:  .venv/bin/python benchmarks/bench_import.py --database-url postgresql://postgres@127.0.0.1:5432/test
Target: preview + confirm < 10 s for the 5,000 rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import openpyxl
import sqlalchemy as sa
from support import make_app, rut_for, temporary_database

ROWS = 5_000
EXISTING = 2_000
TARGET_SECONDS = 10.0
HEADER = ["Nombre", "RUT", "Dirección", "Teléfono", "N° integrantes", "Sector", "Consentimiento"]


def rows(start: int, count: int) -> list[list[str]]:
    return [
        [
            f"Persona Número {n} Muñoz",
            rut_for(n),
            f"Calle Ñuble {n % 3000}",
            f"+56 9 {n:08d}",
            str(1 + n % 6),
            "Villa Esperanza",
            "sí",
        ]
        for n in range(start, start + count)
    ]


def xlsx_file(data: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in data:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(data: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(data)
    return buffer.getvalue().encode("cp1252")


def floor_xlsx(data: bytes) -> float:
    start = time.perf_counter()
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    for _row in book.worksheets[0].iter_rows(values_only=True):
        pass
    book.close()
    return time.perf_counter() - start


def floor_csv(data: bytes) -> float:
    start = time.perf_counter()
    for _row in csv.reader(io.StringIO(data.decode("cp1252")), delimiter=";"):
        pass
    return time.perf_counter() - start


def multipart(data: bytes, name: str) -> tuple[bytes, str]:
    boundary = "----benchimport"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def setup(app) -> str:
    from voucher.auth.models import Role
    from voucher.auth.services import create_token, create_user
    from voucher.extensions import db
    from voucher.families.services import FamilyInput, create_family
    from voucher.parishes.services import create_parish

    with app.app_context():
        s = db.session
        parish = create_parish(s, slug="jesus-maestro", name="Parroquia Jesús Maestro")
        staff = create_user(
            s, email="staff@example.cl", password="x" * 12, role=Role.STAFF, parish=parish
        )
        for n in range(100_000, 100_000 + EXISTING):
            create_family(
                s,
                parish.id,
                FamilyInput(
                    f"Vecina {n} Soto",
                    "rut",
                    rut_for(n),
                    address=f"Calle Ñuble {n % 3000}",
                    consent=True,
                ),
                staff,
            )
        _row, token = create_token(s, staff, "bench")
        s.commit()
        return token


def measure(app, token: str, data: bytes, name: str) -> tuple[float, float, dict]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    body, content_type = multipart(data, name)
    start = time.perf_counter()
    preview = client.post(
        "/api/v1/families/imports", data=body, headers=headers, content_type=content_type
    )
    preview_seconds = time.perf_counter() - start
    assert preview.status_code == 201, preview.get_data(as_text=True)[:500]
    start = time.perf_counter()
    done = client.post(
        f"/api/v1/families/imports/{preview.get_json()['id']}/confirm", json={}, headers=headers
    )
    confirm_seconds = time.perf_counter() - start
    assert done.status_code == 200, done.get_data(as_text=True)[:500]
    return preview_seconds, confirm_seconds, done.get_json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    failed = False
    for kind in ("xlsx", "csv"):
        data = xlsx_file(rows(1, ROWS)) if kind == "xlsx" else csv_file(rows(1, ROWS))
        floor = floor_xlsx(data) if kind == "xlsx" else floor_csv(data)
        with temporary_database(args.database_url) as url:
            app = make_app(url)
            token = setup(app)
            preview, confirm, result = measure(app, token, data, f"familias.{kind}")
            with app.app_context():
                from voucher.extensions import db
                from voucher.families.models import Family

                total = db.session.scalar(sa.select(sa.func.count()).select_from(Family))
                db.engine.dispose()
        assert result["created"] == ROWS and total == EXISTING + ROWS, (result, total)
        both = preview + confirm
        verdict = "ok" if both < TARGET_SECONDS else "TOO SLOW"
        failed |= both >= TARGET_SECONDS
        print(
            f"{kind}: {ROWS} rows ({len(data) / 1024:.0f} KB) against {EXISTING} families: "
            f"preview {preview:.2f} s + confirm {confirm:.2f} s = {both:.2f} s "
            f"(target < {TARGET_SECONDS:.0f} s) {verdict}; floor (reading the cells only) "
            f"{floor:.2f} s"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
