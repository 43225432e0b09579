"""``governance import contractors|engagements FILE [--dry-run]``: the same checks and import as the page."""

from __future__ import annotations

import sys
from pathlib import Path

import click

PROGRESS_FROM = 200
"""Files with at least this many rows show a progress bar while they are checked."""


def _import(kind: str, file: Path, dry_run: bool) -> None:
    from governance.actor import Actor
    from governance.cli_common import run_async
    from governance.imports.reading import FileRefused, read_table
    from governance.imports.services import ImportService
    from governance.settings import get_settings

    settings = get_settings()
    data = file.read_bytes()
    try:
        rows = len(read_table(data).rows)
    except FileRefused:
        rows = 0  # the service reports why
    service = ImportService(scheme=settings.classification_scheme, cert_warn_days=settings.cert_warn_days)
    actor = Actor.system("CLI")
    title = service.kind(kind).title
    with click.progressbar(
        length=max(rows, 1), label=f"{file.name} を検査しています", file=sys.stderr, show_pos=True
    ) as bar:
        progress = bar.update if rows >= PROGRESS_FROM else None
        if dry_run:
            report = run_async(lambda: service.check(kind, data, file.name, actor=actor, progress=progress))
        else:
            report = run_async(lambda: service.run(kind, data, file.name, actor=actor, progress=progress))
    for problem in report.problems:
        click.secho(problem, fg="red", err=True)
    for error in report.errors:
        click.secho(str(error), fg="red", err=True)
    if not report.ok:
        rows_wrong = len({e.row for e in report.errors})
        summary = f"{rows_wrong}行に誤りがあります（{len(report.errors)}件）。" if report.errors else ""
        click.secho(f"{summary}1行も取り込んでいません。", fg="red", err=True)
        sys.exit(1)
    if dry_run:
        click.echo(f"{report.rows}行すべてに誤りはありません（--dry-run のため登録していません）。")
        return
    click.echo(f"{title}を{len(report.imported_ids)}件取り込みました（SHA-256 {report.sha256[:16]}…）。")


@click.group("import", help="既存の一覧（Excel・CSV）を取り込みます。")
def import_group() -> None:
    """Bring existing lists in (.xlsx or CSV)."""


FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
DRY_RUN = click.option("--dry-run", is_flag=True, help="検査だけ行い、登録しません。")


@import_group.command(
    "contractors", help="委託事業者（認証を含む）の一覧を取り込みます。誤りが1行でもあれば1件も登録しません。"
)
@FILE
@DRY_RUN
def import_contractors(file: Path, dry_run: bool) -> None:
    """Import 委託事業者 with their certifications."""
    _import("contractors", file, dry_run)


@import_group.command("engagements", help="委託業務の一覧を取り込みます。誤りが1行でもあれば1件も登録しません。")
@FILE
@DRY_RUN
def import_engagements(file: Path, dry_run: bool) -> None:
    """Import 委託業務."""
    _import("engagements", file, dry_run)
