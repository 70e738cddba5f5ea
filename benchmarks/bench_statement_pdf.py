"""Render a 20,000-line shop statement and report seconds, pages and size.

Run: .venv/bin/python benchmarks/bench_statement_pdf.py [lines] [--repeat N]
The budget is 5 s for 20,000 lines (pure reportlab, no C accelerator installed).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voucher.treasury.documents import ShopStatement

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BUDGET_SECONDS = 5.0


def build(lines: int) -> ShopStatement:
    """A month of a busy shop: redemptions (some voided), voids, weekly-ish payments."""
    from voucher.treasury.documents import ShopStatement, StatementLine

    start = datetime(2026, 11, 1, 11, 0, tzinfo=UTC)
    result = []
    for index in range(lines):
        when = start + timedelta(seconds=120 * index)
        serial = f"JM-2026-{index:06d}"
        category = "food" if index % 3 else "hygiene"
        step = index % 20
        if step == 19:
            line = StatementLine(
                when, "payment", f"Pago transferencia ref {900000 + index}", None, None, 0, 150_000
            )
        elif step == 7:
            line = StatementLine(
                when, "void", f"Anulación canje N° {index - 1:06d}", serial, category, 0, 8_000
            )
        else:
            line = StatementLine(
                when,
                "redemption",
                f"Canje N° {index:06d} · vale {serial}",
                serial,
                category,
                8_000 + 500 * (index % 7),
                0,
                voided=step == 6,
            )
        result.append(line)
    return ShopStatement(
        parish_name="Parroquia Jesús Maestro",
        shop_name="Almacén Rosita",
        shop_rut="76.123.456-7",
        period_from=date(2026, 11, 1),
        period_to=date(2026, 11, 30),
        opening_balance=245_000,
        lines=result,
        generated_at=datetime(2026, 11, 28, 17, 5, tzinfo=UTC),
    )


def count_pages(pdf: bytes) -> int:
    try:
        import io

        from pypdf import PdfReader
    except ImportError:  # dev dependency missing: count page objects instead
        return len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    return len(PdfReader(io.BytesIO(pdf)).pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", nargs="?", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the PDF here")
    args = parser.parse_args()

    from voucher.treasury.csv_export import statement_csv
    from voucher.treasury.papers import render_statement

    statement = build(args.lines)
    timings = []
    pdf = b""
    for _ in range(args.repeat):
        started = time.perf_counter()
        pdf = render_statement(statement)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    csv_text = statement_csv(statement)
    csv_seconds = time.perf_counter() - started
    if args.out:
        args.out.write_bytes(pdf)

    best = min(timings)
    print(f"lines:   {args.lines:,}")
    print(f"seconds: {best:.2f} best of {args.repeat} ({', '.join(f'{t:.2f}' for t in timings)})")
    print(f"pages:   {count_pages(pdf):,}")
    print(f"size:    {len(pdf):,} bytes ({len(pdf) / 1_048_576:.2f} MiB)")
    print(f"csv:     {csv_seconds:.2f} s, {len(csv_text.encode()):,} bytes")
    within = best < BUDGET_SECONDS
    print(f"budget:  {BUDGET_SECONDS:.0f} s -> {'OK' if within else 'TOO SLOW'}")
    return 0 if within else 1


if __name__ == "__main__":
    raise SystemExit(main())
