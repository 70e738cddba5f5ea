"""CSV twins of the treasurer's PDFs: the same columns, rows and figures, for a spreadsheet.

Pure: the same dataclasses in, ``str`` out (UTF-8 text; the caller adds a BOM if it wants
one). Amounts and counts are plain integers without thousands separators (``-5000``), dates
``dd-mm-yyyy``, times ``dd-mm-yyyy HH:MM`` in the parish time zone. ``sep=";"`` suits a
spreadsheet set up for Spanish. Text that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``) gets a leading apostrophe.
"""

from __future__ import annotations

from voucher.pdf.table_csv import table_csv
from voucher.treasury.documents import ProgramReport, Remittance, ShopStatement, TrialBalance
from voucher.treasury.tables import (
    program_report_table,
    remittance_table,
    statement_table,
    trial_balance_table,
)


def statement_csv(s: ShopStatement, sep: str = ",") -> str:
    """Statement lines with running balance, framed by opening, period totals and closing."""
    return table_csv(statement_table(s, closing_row=True), sep)


def remittance_csv(r: Remittance, sep: str = ",") -> str:
    """The redemptions a remittance pays, and the total."""
    return table_csv(remittance_table(r), sep)


def program_report_csv(p: ProgramReport, sep: str = ",") -> str:
    """Per program counts and pesos by state, and the totals."""
    return table_csv(program_report_table(p), sep)


def trial_balance_csv(t: TrialBalance, sep: str = ",") -> str:
    """Accounts with débitos, créditos, saldo deudor and saldo acreedor, and the totals."""
    return table_csv(trial_balance_table(t), sep)
