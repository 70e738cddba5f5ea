from __future__ import annotations

from flask_babel import lazy_gettext as _l

from voucher.errors import Conflict


class LedgerError(Conflict):
    """The ledger refused an entry; nothing was written."""

    reason = "ledger_refused"
    message = _l("La contabilidad rechazó el movimiento.")


class InvalidAmount(LedgerError):
    reason = "ledger_invalid_amount"


class EmptyEntry(LedgerError):
    reason = "ledger_empty_entry"


class SameAccount(LedgerError):
    reason = "ledger_same_account"


class UnknownAccount(LedgerError):
    reason = "ledger_unknown_account"


class ForeignAccount(LedgerError):
    reason = "ledger_foreign_account"


class ClosedAccount(LedgerError):
    reason = "ledger_closed_account"


class AlreadyReversed(LedgerError):
    reason = "ledger_already_reversed"


class PeriodClosed(LedgerError):
    reason = "period_closed"
    message = _l("Ese mes ya está cerrado: no se pueden registrar movimientos con esa fecha.")


class ImmutableLedger(LedgerError):
    reason = "ledger_immutable"
    message = _l("Los movimientos contables no se modifican: se corrigen con un reverso.")
