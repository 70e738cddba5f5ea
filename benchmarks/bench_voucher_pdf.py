"""Voucher sheets: 2,000 vouchers through render_voucher_sheets, measured against a floor.

The floor is the least reportlab can do for the same paper: the same QR matrices from
the same encoder (zxing-cpp, level Q), each drawn as one filled path of run rectangles,
and the same strings drawn with drawString, with no layout, checks or forms. A third,
smaller run draws the floor's QRs through reportlab's path object (beginPath/rect/
drawPath) instead, to show what that route costs.

Run from the repository root:  .venv/bin/python benchmarks/bench_voucher_pdf.py
Targets: 2,000 vouchers in < 5 s, PDF < 3 MB, at most 1.5x the floor.
"""

from __future__ import annotations

import io
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import zxingcpp
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from voucher.dates import format_date
from voucher.money import format_clp
from voucher.pdf.vouchers import PrintableVoucher, render_voucher_sheets
from voucher.vouchers.codes import format_code, generate_code, redeem_url

VOUCHERS = 2_000
ROUNDS = 3
PATH_OBJECT_SAMPLE = 250
BASE_URL = "https://vales.parroquiajesusmaestro.cl"
TARGET_SECONDS = 5.0
TARGET_BYTES = 3_000_000
TARGET_RATIO = 1.5
DARK_RUN = re.compile(rb"\x00+")


def sample_vouchers(count: int) -> list[PrintableVoucher]:
    vouchers = []
    for number in range(1, count + 1):
        code = generate_code()
        vouchers.append(
            PrintableVoucher(
                parish_name="Parroquia Jesús Maestro",
                program_name="Canasta familiar",
                title="VALE DE ALIMENTOS" if number % 3 else "VALE DE HIGIENE",
                amount=15_000,
                expires_on=date(2026, 12, 31),
                serial=f"JM-2026-{number:06d}",
                code=format_code(code),
                redeem_url=redeem_url(BASE_URL, code),
            )
        )
    return vouchers


# --- the floor ----------------------------------------------------------------------------


def floor_qr_runs(text: str) -> tuple[int, list[tuple[int, int, int]]]:
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="3")
    image = memoryview(barcode.to_image(with_quiet_zones=False))
    size = image.shape[0]
    pixels = image.tobytes()
    runs = []
    for row in range(size):
        offset = row * size
        for run in DARK_RUN.finditer(pixels, offset, offset + size):
            start, end = run.span()
            runs.append((size - 1 - row, start - offset, end - start))
    return size, runs


def floor_literal_qr(canvas: Canvas, text: str, x: float, y: float) -> None:
    size, runs = floor_qr_runs(text)
    module = 30 * mm / (size + 8)
    canvas.saveState()
    canvas.transform(module, 0, 0, module, x + 4 * module, y + 4 * module)
    ops = [f"{column} {row} {length} 1 re" for row, column, length in runs]
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()


def floor_path_object_qr(canvas: Canvas, text: str, x: float, y: float) -> None:
    size, runs = floor_qr_runs(text)
    module = 30 * mm / (size + 8)
    canvas.saveState()
    canvas.transform(module, 0, 0, module, x + 4 * module, y + 4 * module)
    path = canvas.beginPath()
    for row, column, length in runs:
        path.rect(column, row, length, 1)
    canvas.drawPath(path, fill=1, stroke=0)
    canvas.restoreState()


def floor(vouchers: list[PrintableVoucher], draw_qr: Callable = floor_literal_qr) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    for index, voucher in enumerate(vouchers):
        if index and index % 4 == 0:
            canvas.showPage()
        bottom = A4[1] - (index % 4 + 1) * A4[1] / 4
        draw_qr(canvas, voucher.redeem_url, 8 * mm, bottom + 25 * mm)
        title = voucher.title
        lines = (
            (12, 61, "Helvetica-Bold", 11, voucher.parish_name.upper()),
            (150, 61, "Helvetica", 10, voucher.program_name),
            (41, 47.5, "Helvetica-Bold", 16, title),
            (41, 40, "Helvetica", 11, "Válido hasta: " + format_date(voucher.expires_on)),
            (41, 34.5, "Helvetica", 11, "Serie: " + voucher.serial),
            (41, 29, "Helvetica", 11, "Código: " + voucher.code),
            (150, 36, "Helvetica-Bold", 36, format_clp(voucher.amount)),
            (12, 17, "Helvetica", 9.5, "Canjee este vale en un comercio adherido."),
            (12, 12.5, "Helvetica", 9.5, "Puede usarlo en varias compras hasta su saldo."),
        )
        for x, y, font, size, text in lines:
            canvas.setFont(font, size)
            canvas.drawString(x * mm, bottom + y * mm, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- measuring ------------------------------------------------------------------------------


def timed(work: Callable[[], bytes]) -> tuple[float, float, bytes]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def summary(name: str, walls: list[float], cpus: list[float], size: int) -> str:
    return (
        f"{name:<34} best {min(walls):6.2f} s   median {statistics.median(walls):6.2f} s"
        f"   cpu best {min(cpus):6.2f} s   {size / 1e6:5.2f} MB"
    )


def main() -> int:
    # The renderer turns ASCII85 off for the process; the floor gets the same setting.
    rl_config.useA85 = 0
    vouchers = sample_vouchers(VOUCHERS)
    render_voucher_sheets(vouchers[:8])  # fonts and imports, outside the clock
    floor(vouchers[:8])

    runs: dict[str, tuple[list[float], list[float]]] = {"render": ([], []), "floor": ([], [])}
    sizes: dict[str, int] = {}
    for _ in range(ROUNDS):
        for name, work in (
            ("render", lambda: render_voucher_sheets(vouchers)),
            ("floor", lambda: floor(vouchers)),
        ):
            wall, cpu, pdf = timed(work)
            runs[name][0].append(wall)
            runs[name][1].append(cpu)
            sizes[name] = len(pdf)

    sample = vouchers[:PATH_OBJECT_SAMPLE]
    path_wall, path_cpu, path_pdf = timed(lambda: floor(sample, floor_path_object_qr))
    scale = VOUCHERS / PATH_OBJECT_SAMPLE

    render_best = min(runs["render"][0])
    floor_best = min(runs["floor"][0])
    ratio = render_best / floor_best
    print(f"Voucher sheets: {VOUCHERS} vouchers, {VOUCHERS // 4} A4 pages, best of {ROUNDS}")
    print(summary("render_voucher_sheets", *runs["render"], sizes["render"]))
    print(summary("floor (reportlab alone)", *runs["floor"], sizes["floor"]))
    print(
        f"{'floor, QR via path object (est.)':<34} about {path_wall * scale:5.2f} s"
        f"   cpu about {path_cpu * scale:5.2f} s   ~{len(path_pdf) * scale / 1e6:4.2f} MB"
        f"   ({PATH_OBJECT_SAMPLE} vouchers x {scale:g})"
    )
    print(f"ratio render / floor: {ratio:.2f}x")
    checks = (
        (f"render < {TARGET_SECONDS:g} s", render_best < TARGET_SECONDS),
        (f"PDF < {TARGET_BYTES / 1e6:g} MB", sizes["render"] < TARGET_BYTES),
        (f"ratio <= {TARGET_RATIO:g}x", ratio <= TARGET_RATIO),
    )
    for label, passed in checks:
        print(f"  {'ok  ' if passed else 'FAIL'} {label}")
    return 0 if all(passed for _, passed in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
