"""``flask --app wsgi families import FILE --parish SLUG``: the same preview as the screen,
then (without --dry-run) the same confirmation."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from voucher.dates import local_today
from voucher.errors import DomainError
from voucher.extensions import db
from voucher.families.services import index_documents
from voucher.imports import services
from voucher.imports.reading import MAX_BYTES, FileTooLarge
from voucher.parishes.models import Parish

families_cli = AppGroup("families", help="Households.")


@families_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--parish", "parish_slug", required=True, help="The parish's slug.")
@click.option("--program", "program_id", type=int, help="Enrol the families in this program.")
@click.option(
    "--consent-attested",
    is_flag=True,
    help="Consent of every row was collected on paper (rows without the column pass).",
)
@click.option("--dry-run", is_flag=True, help="Show the preview only; write nothing.")
@click.option(
    "--accept-line", "accept_lines", type=int, multiple=True, help="A flagged line to import."
)
def import_families(
    path: Path,
    parish_slug: str,
    program_id: int | None,
    consent_attested: bool,
    dry_run: bool,
    accept_lines: tuple[int, ...],
) -> None:
    """Import a spreadsheet of families (.xlsx or .csv). Exits non-zero when nothing
    could be imported."""
    parish = db.session.scalar(sa.select(Parish).where(Parish.slug == parish_slug))
    if parish is None:
        raise click.ClickException(f"No parish with slug {parish_slug!r}.")
    if path.stat().st_size > MAX_BYTES:
        raise click.ClickException(FileTooLarge().detail)
    try:
        imp, plan = services.preview_import(
            db.session,
            parish.id,
            None,
            file_name=path.name,
            data=path.read_bytes(),
            program_id=program_id,
            consent_attested=consent_attested,
        )
    except DomainError as error:
        detail = error.detail
        if hasattr(error, "errors"):
            detail += " " + " ".join(str(m) for _f, m in error.errors)
        raise click.ClickException(detail) from None
    counts = plan.counts
    click.echo(
        f"{path.name}: create {counts['create']}, update {counts['update']}, "
        f"skip {counts['skip']}, reject {counts['reject']}, flag {counts['flag']}"
    )
    for outcome in plan.listed:
        click.echo(
            f"  line {outcome.line}: {outcome.action} {outcome.reason_code}: {outcome.message}"
        )
    importable = (
        counts["create"]
        + counts["update"]
        + len({o.line for o in plan.outcomes if o.action == "flag"} & set(accept_lines))
    )
    if dry_run:
        db.session.rollback()
        if not importable:
            raise SystemExit(1)
        return
    result = services.confirm_import(
        db.session, imp, None, accept_lines=list(accept_lines), today=local_today()
    )
    db.session.commit()
    click.echo(
        f"Imported: created {result['created']}, updated {result['updated']}, "
        f"skipped {result['skipped']}, rejected {result['rejected']}, enrolled {result['enrolled']}"
    )
    if not importable:
        raise SystemExit(1)


@families_cli.command("index-documents")
def index_family_documents() -> None:
    """Index the documents of families registered before the cross-parish check, so
    registration can say a document is also registered in another parish."""
    count = index_documents(db.session)
    db.session.commit()
    click.echo(f"{count} families indexed.")
