"""Every model, imported once so the metadata (and Alembic) sees the whole schema."""

from voucher.api.models import IdempotencyRecord
from voucher.audit.models import AuditEvent
from voucher.auth.models import (
    ApiToken,
    LoginFailure,
    LoginSession,
    PasswordReset,
    Role,
    User,
)
from voucher.families.models import DocumentType, Family
from voucher.imports.models import FamilyImport, ImportStatus
from voucher.installation import InstallationKey
from voucher.ledger.models import (
    Account,
    AccountType,
    Entry,
    EntryKind,
    LedgerHead,
    PeriodLock,
    Transfer,
)
from voucher.parishes.models import Parish
from voucher.programs.models import Category, Cycle, Enrolment, Program
from voucher.shops.device_models import Device, DevicePairing
from voucher.shops.import_models import ShopImport
from voucher.shops.models import Shop, ShopJoinRequest, ShopParish
from voucher.treasury.models import (
    Fund,
    PaymentMethod,
    Settlement,
    SettlementLine,
    SettlementStatus,
)
from voucher.vouchers.models import (
    Redemption,
    RedemptionStatus,
    ReplacedCode,
    Round,
    ScanLog,
    Voucher,
    VoucherStatus,
)

__all__ = [
    "Account",
    "AccountType",
    "ApiToken",
    "AuditEvent",
    "Category",
    "Cycle",
    "Device",
    "DevicePairing",
    "DocumentType",
    "Enrolment",
    "Entry",
    "EntryKind",
    "Family",
    "FamilyImport",
    "Fund",
    "IdempotencyRecord",
    "ImportStatus",
    "InstallationKey",
    "LedgerHead",
    "LoginFailure",
    "LoginSession",
    "Parish",
    "PasswordReset",
    "PaymentMethod",
    "PeriodLock",
    "Program",
    "Redemption",
    "RedemptionStatus",
    "ReplacedCode",
    "Role",
    "Round",
    "ScanLog",
    "Settlement",
    "SettlementLine",
    "SettlementStatus",
    "Shop",
    "ShopImport",
    "ShopJoinRequest",
    "ShopParish",
    "Transfer",
    "User",
    "Voucher",
    "VoucherStatus",
]
