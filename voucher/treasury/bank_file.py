"""The bank's bulk payment file: one line per settlement made (paid) or proposed on a day,
not rejected or reversed, so the treasurer uploads one file instead of typing each transfer.

The columns are those Chilean banks ask for in a bulk supplier payment (RUT, name, bank,
account type, account number, amount, e-mail, description); the shop's RUT and account come
out exactly as recorded, and each amount is the sum of the lines its remittance lists.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from voucher.dates import day_start_utc, format_date
from voucher.errors import ValidationFailed
from voucher.parishes.models import Parish
from voucher.responses import spreadsheet_text as text_cell
from voucher.treasury.models import Settlement, SettlementStatus
from voucher.treasury.remittance import settlement_lines

# The bank's words, in Spanish whatever the reader's language: the file is for the bank.
HEADER = (
    "RUT",
    "Nombre",
    "Banco",
    "Tipo de cuenta",
    "Número de cuenta",
    "Monto",
    "Correo",
    "Descripción",
)
BANK_ACCOUNT_TYPES = {
    "corriente": "Cuenta corriente",
    "vista": "Cuenta vista",
    "ahorro": "Cuenta de ahorro",
    "rut": "CuentaRUT",
}
DESCRIPTION_MAX = 60


@dataclass(frozen=True)
class BankLine:
    settlement_id: int
    rut: str
    name: str
    bank: str
    account_type: str
    account_number: str
    amount: int
    email: str
    description: str


def bank_lines(session: Session, parish: Parish, day: date | None) -> list[BankLine]:
    """The day's payments: settlements paid that day, or proposed that day and still
    waiting for approval (parish time), in the order they were made. Refuses a missing
    day (422)."""
    if not isinstance(day, date):
        raise ValidationFailed([("date", _l("Escriba una fecha válida."))])
    start, end = (
        day_start_utc(day, parish.timezone),
        day_start_utc(day + timedelta(1), parish.timezone),
    )
    settlements = session.scalars(
        sa.select(Settlement)
        .where(
            Settlement.parish_id == parish.id,
            sa.or_(
                sa.and_(
                    Settlement.status == SettlementStatus.PAID,
                    Settlement.paid_at >= start,
                    Settlement.paid_at < end,
                ),
                sa.and_(
                    Settlement.status == SettlementStatus.PROPOSED,
                    Settlement.created_at >= start,
                    Settlement.created_at < end,
                ),
            ),
        )
        .order_by(Settlement.id)
    ).all()
    result = []
    for settlement in settlements:
        shop = settlement.shop
        amount = sum(line.amount for line in settlement_lines(session, settlement.id))
        description = (
            f"Vales {parish.name} liq {settlement.id:06d} al {format_date(settlement.through)}"
        )
        result.append(
            BankLine(
                settlement_id=settlement.id,
                rut=shop.rut,
                name=shop.name,
                bank=shop.bank_name,
                account_type=BANK_ACCOUNT_TYPES.get(shop.account_type, shop.account_type),
                account_number=shop.account_number,
                amount=amount,
                email=shop.payment_email,
                description=description[:DESCRIPTION_MAX],
            )
        )
    return result


def bank_file_csv(lines: list[BankLine], sep: str = ";") -> str:
    """The file's text: a header row, then one row per payment; amounts in whole pesos
    without separators; text a spreadsheet would run as a formula is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in lines:
        writer.writerow(
            [
                text_cell(line.rut),
                text_cell(line.name),
                text_cell(line.bank),
                line.account_type,
                text_cell(line.account_number),
                str(line.amount),
                text_cell(line.email),
                text_cell(line.description),
            ]
        )
    return buffer.getvalue()
