"""``governance templates …`` and ``governance contract render``: the clause library and contract drafts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from governance.cli_common import fail as _fail
from governance.cli_common import run_async


@click.group("templates", help="契約条項ライブラリ（contract_templates/）を検証・一覧・改訂します。")
def templates_group() -> None:
    """The contract clause library (contract_templates/)."""


def _checked_library(path: Path | None) -> Any:
    """Load the clause library, or print every problem with its file, clause id and reason and exit 1."""
    from governance.contracts.library import LibraryError
    from governance.contracts.library_cache import library_at
    from governance.settings import get_settings

    root = path or get_settings().contract_templates_dir
    try:
        return library_at(root)
    except LibraryError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        _fail(f"条項ライブラリに{len(exc.problems)}件の誤りがあります（{root}）。")


LIBRARY_PATH = click.option(
    "--path",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="条項ライブラリのフォルダ（GOVERNANCE_CONTRACT_TEMPLATES_DIR、既定 contract_templates/）",
)


@templates_group.command("check", help="条項ライブラリを検証し、誤りをファイル・条項ID・理由と共にすべて表示します。")
@LIBRARY_PATH
def templates_check(path: Path | None) -> None:
    """Validate the clause library and report every problem with its file, clause id and reason."""
    library = _checked_library(path)
    sections = {s.id: sum(1 for c in library.clauses if c.section == s.id) for s in library.sections}
    counts = "、".join(
        [f"{s.title} {sections[s.id]}条" for s in library.sections]
        + [f"仕様書 {len(library.specification)}節", f"様式 {len(library.forms)}件"]
    )
    click.echo(
        f"条項ライブラリ 第{library.version}版：{counts}（ハッシュ {library.content_hash[:16]}…）に誤りはありません。"
    )


@templates_group.command(
    "matrix",
    help="どの事実がどの条項を導くかを一覧表示します（--xlsx、--markdown を指定するとファイルに出力）。",
)
@LIBRARY_PATH
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Excelファイルに出力する")
@click.option(
    "--markdown", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Markdownファイルに出力する"
)
def templates_matrix(path: Path | None, xlsx: Path | None, markdown: Path | None) -> None:
    """Show which fact brings which clause: the clauses with their conditions, and the facts with their clauses.

    Without --xlsx or --markdown the clause table is printed; with them, the files are written instead.
    """
    from governance.contracts.matrix import render_markdown, render_text, write_xlsx

    library = _checked_library(path)
    if xlsx is None and markdown is None:
        click.echo(render_text(library), nl=False)
        return
    try:
        if xlsx is not None:
            write_xlsx(library, xlsx)
            click.echo(f"条項と条件の一覧（Excel）を出力しました：{xlsx}")
        if markdown is not None:
            markdown.write_text(render_markdown(library), encoding="utf-8", newline="\n")
            click.echo(f"条項と条件の一覧（Markdown）を出力しました：{markdown}")
    except OSError as exc:
        _fail(f"ファイルを書き込めません：{exc.filename}（{exc.strerror or exc}）")


CANDIDATE_PATH = click.option(
    "--candidate",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="改訂案のフォルダ（GOVERNANCE_CONTRACT_TEMPLATES_CANDIDATE_DIR）",
)


@templates_group.command(
    "impact",
    help="改訂案による変更点と、改訂案が求める条項を欠く有効な契約を報告します（改訂案に誤りがあれば終了コード2）。",
)
@LIBRARY_PATH
@CANDIDATE_PATH
def templates_impact(path: Path | None, candidate: Path | None) -> None:
    """Report what a candidate library changes and which live contracts lack a clause it requires.

    Without a candidate, the live contracts are checked against the library in force. Exits 2 when the candidate
    is broken (its problems are printed), 1 when the library in force is broken and no candidate is given.
    """
    from governance.contracts.impact import ImpactService, report_lines
    from governance.settings import get_settings

    s = get_settings()
    service = ImpactService(
        templates_dir=path or s.contract_templates_dir, candidate_dir=candidate or s.contract_templates_candidate_dir
    )
    report = run_async(service.report)
    click.echo("\n".join(report_lines(report)))
    if report.candidate is not None and report.candidate.library is None:
        click.secho(f"改訂案に{len(report.candidate.problems)}件の誤りがあります。", fg="red", err=True)
        sys.exit(2)
    if report.candidate is None and report.current.library is None:
        _fail(f"施行中の条項ライブラリに{len(report.current.problems)}件の誤りがあります。")


@templates_group.command(
    "promote", help="改訂案を検証し、現行版を退避して施行します（監査ログに記録。誤りがあれば終了コード2）。"
)
@LIBRARY_PATH
@CANDIDATE_PATH
@click.option(
    "--backup-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="置き換える現行版の保存先（既定 GOVERNANCE_DATA_DIR/contract_templates_backups）",
)
def templates_promote(path: Path | None, candidate: Path | None, backup_dir: Path | None) -> None:
    """Put the candidate library in force: validate it, back up the library it replaces, swap it in, audit it.

    Exits 2 when the candidate is broken or the folders overlap (nothing changes), 1 when it cannot be promoted for
    another reason.
    """
    import datetime as dt

    from governance.actor import Actor
    from governance.contracts.library import LibraryError
    from governance.contracts.promotion import FolderError, PromotionError, prepare, promote
    from governance.settings import get_settings

    s = get_settings()
    candidate = candidate or s.contract_templates_candidate_dir
    if candidate is None:
        _fail("改訂案のフォルダを --candidate 又は GOVERNANCE_CONTRACT_TEMPLATES_CANDIDATE_DIR で指定してください。")
    live = path or s.contract_templates_dir
    now = dt.datetime.now(dt.UTC)
    try:
        promotion = prepare(live, candidate, backup_dir or s.data_dir / "contract_templates_backups", now=now)
    except LibraryError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.secho(
            f"改訂案に{len(exc.problems)}件の誤りがあるため、施行しませんでした（{candidate}）。", fg="red", err=True
        )
        sys.exit(2)
    except FolderError as exc:
        click.secho(f"施行しませんでした：{exc.message}", fg="red", err=True)
        sys.exit(2)
    except (PromotionError, OSError) as exc:
        _fail(f"施行しませんでした：{getattr(exc, 'message', exc)}")
    run_async(lambda: promote(promotion, actor=Actor.system("governance templates promote"), now=now))
    kept = f"以前の第{promotion.old_version}版は {promotion.backup} に保存しました。" if promotion.backup else ""
    click.echo(f"条項ライブラリ 第{promotion.new.version}版を施行しました（{live}）。{kept}")


@click.group("contract", help="契約書の案を扱います。")
def contract_group() -> None:
    """Contract drafts."""


@contract_group.command(
    "render", help="委託業務の現在の事実から契約書（.docx）をファイルに出力します（何も記録しません）。"
)
@click.argument("engagement_id", type=int)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="出力する .docx ファイル"
)
def contract_render(engagement_id: int, output: Path) -> None:
    """Render the engagement's contract from its current facts to a file (records nothing; versions are unchanged)."""
    from governance.contracts.library import LibraryError
    from governance.contracts.services import ContractService, municipality_from
    from governance.errors import DomainError
    from governance.settings import get_settings

    s = get_settings()
    service = ContractService(
        templates_dir=s.contract_templates_dir, data_dir=s.data_dir,
        municipality=municipality_from(s),
    )  # fmt: skip
    try:
        data = run_async(lambda: service.render(engagement_id))
    except LibraryError as exc:
        _fail("\n".join(str(p) for p in exc.problems))
    except DomainError as exc:
        _fail(exc.message)
    output.write_bytes(data)
    click.echo(f"契約書を出力しました：{output}（{len(data):,}バイト）")
