"""The ``governance`` command: serve, migrate, users, audit, demo data (on top of Litestar's CLI)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from litestar.plugins import CLIPluginProtocol

T = TypeVar("T")


def run_async(fn: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine function with the database lifespan around it (connections closed at the end)."""
    from governance.db import db_lifespan

    async def main() -> T:
        async with db_lifespan():
            return await fn()

    return asyncio.run(main())


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


@click.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations."""
    from governance.db import apply_migrations

    try:
        applied = run_async(apply_migrations)
    except RuntimeError as exc:
        _fail(str(exc))
    click.echo(
        f"マイグレーションを適用しました（{len(applied)}件）。"
        if applied
        else "適用待ちのマイグレーションはありません。"
    )


async def _setup_link() -> str | None:
    from governance.accounts.services import SetupService
    from governance.settings import get_settings

    token = await SetupService().issue_token()
    return f"{get_settings().public_base_url}/setup/{token}" if token else None


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (GOVERNANCE_HOST, default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (GOVERNANCE_PORT, default 8000).")
@click.option("--workers", type=int, default=None, help="Worker processes (GOVERNANCE_WORKERS, default 1).")
@click.option("--migrate/--no-migrate", default=True, show_default=True, help="Apply pending migrations first.")
def serve_command(host: str | None, port: int | None, workers: int | None, migrate: bool) -> None:
    """Apply migrations, print the first-run setup link when no user exists, and serve the app."""
    import uvicorn

    from governance.db import apply_migrations
    from governance.settings import get_settings

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    os.environ["GOVERNANCE_HOST"], os.environ["GOVERNANCE_PORT"] = host, str(port)
    get_settings.cache_clear()
    if migrate:
        try:
            applied = run_async(apply_migrations)
        except RuntimeError as exc:
            _fail(str(exc))
        if applied:
            click.echo(f"マイグレーションを適用しました（{len(applied)}件）。")
    link = run_async(_setup_link)
    if link:
        click.secho(
            "\nまだユーザーが登録されていません。次のリンクを開いて最初の管理者を作成してください（24時間有効・1回限り）:",
            fg="yellow",
        )
        click.secho(f"  {link}\n", fg="yellow", bold=True)
    settings.resolved_secret_key()  # create it once here, before several workers race for it
    uvicorn.run(
        "governance.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
    )


@click.command("setup-link")
def setup_link_command() -> None:
    """Print a new one-time link that creates the first administrator (only while no user exists)."""
    link = run_async(_setup_link)
    if not link:
        _fail("ユーザーが既に登録されているため、初期設定用リンクは発行できません。")
    click.echo(link)


@click.group("users")
def users_group() -> None:
    """Manage users from the shell."""


@users_group.command("create")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--email", default="")
@click.option("--department-code", required=True, help="Created with --department-name when it does not exist.")
@click.option("--department-name", default="")
@click.option("--role", "roles", multiple=True, required=True, help="admin, security_officer, procurement, …")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of prompting.")
def users_create(
    username: str,
    full_name: str,
    email: str,
    department_code: str,
    department_name: str,
    roles: tuple[str, ...],
    password_stdin: bool,
) -> None:
    """Create a user (the first administrator, or any other)."""
    from governance.accounts import schemas
    from governance.accounts.services import UserService
    from governance.actor import Actor
    from governance.errors import DomainError, ValidationError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("パスワード", hide_input=True, confirmation_prompt="パスワード（確認）")
    actor = Actor.system("CLI")

    async def go() -> int:
        service = UserService()
        code = department_code.strip().upper()  # codes are stored in upper case
        dept = next((d for d in await service.list_departments() if d.code == code), None)
        if dept is None:
            if not department_name:
                raise ValidationError(
                    {"department_code": "この所属コードは未登録です。--department-name も指定してください。"}
                )
            dept_id = await service.create_department(
                schemas.DepartmentCreate(code=department_code, name=department_name), actor=actor
            )
        else:
            dept_id = dept.id
        return await service.create_user(
            schemas.UserCreate(
                username=username,
                full_name=full_name,
                email=email,
                department_id=dept_id,
                roles=list(roles),
                password=password,
            ),
            actor=actor,
        )

    try:
        user_id = run_async(go)
    except ValidationError as exc:
        _fail("\n".join(f"{k}: {v}" for k, v in exc.field_errors.items()) or exc.message)
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"ユーザー {username.lower()}（ID {user_id}）を作成しました。")


@users_group.command("list")
def users_list() -> None:
    """List users with their departments and roles."""
    from governance.accounts.services import UserService

    for u in run_async(UserService().list_users):
        state = "" if u.active else "（無効）"
        click.echo(f"{u.id}\t{u.username}\t{u.full_name}\t{u.department_name}\t{','.join(u.roles)}{state}")


@click.group("tokens")
def tokens_group() -> None:
    """Personal API tokens."""


@tokens_group.command("create")
@click.argument("username")
@click.option("--name", default="自動処理", show_default=True, help="What the token is for (up to 100 characters).")
@click.option("--expires-days", type=click.IntRange(min=1, max=3660), default=None, help="Valid for this many days.")
def tokens_create(username: str, name: str, expires_days: int | None) -> None:
    """Issue an API token for USERNAME and print it once (a first token for automation; audited)."""
    import datetime as dt

    import msgspec

    from governance.accounts import schemas
    from governance.accounts.services import TokenService
    from governance.actor import Actor
    from governance.calendar import today_tokyo
    from governance.errors import DomainError, NotFoundError, ValidationError

    # Valid through the N-th day from today (Asia/Tokyo); a token expires at the end of a day.
    expires_on = today_tokyo() + dt.timedelta(days=expires_days) if expires_days else None
    try:
        data = msgspec.convert({"name": name, "expires_on": expires_on}, schemas.ApiTokenCreate)
    except msgspec.ValidationError:
        _fail("トークン名は1文字以上100文字以内で指定してください。")
    actor = Actor.system("CLI")
    try:
        created = run_async(lambda: TokenService().create_for_user(username, data, actor=actor))
    except NotFoundError:
        _fail(f"ユーザー {username} は登録されていません。")
    except ValidationError as exc:
        _fail("\n".join(exc.field_errors.values()) or exc.message)
    except DomainError as exc:
        _fail(exc.message)
    until = f"（{expires_on:%Y-%m-%d} まで有効）" if expires_on else "（有効期限なし）"
    click.echo(
        f"ユーザー {username.strip().lower()} のAPIトークン「{created.name}」を発行しました{until}。"
        "この値は二度と表示されません。安全な場所に保管してください。",
        err=True,
    )
    click.echo(created.token)


@click.group("audit")
def audit_group() -> None:
    """Audit log tools."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Verify the audit log's hash chain; exit 1 and name the first broken entry when it does not hold."""
    from governance.audit.services import AuditService

    report = run_async(AuditService().verify)
    if report.ok:
        click.echo(f"監査ログの検証に成功しました：{report.checked}件、末尾ハッシュ {report.head_hash}")
        return
    _fail(
        f"監査ログの検証に失敗しました：記録番号 {report.broken_id} — {report.reason}"
        f"（それより前の {report.checked}件は正常）"
    )


@click.command("demo-data")
def demo_data_command() -> None:
    """Load a fictional municipality for local trial (prints the demo users' passwords)."""
    from governance.demo import load_demo_data

    created = run_async(load_demo_data)
    if not created:
        click.echo("デモデータは既に登録されています。")
        return
    click.secho("デモ用ユーザー（試用専用。本番環境では使わないでください）:", fg="yellow")
    for username, role, password in created:
        click.echo(f"  {username:<14} {role:<18} {password}")


@click.group("templates")
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
    help="Library folder (GOVERNANCE_CONTRACT_TEMPLATES_DIR, default contract_templates/).",
)


@templates_group.command("check")
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


@templates_group.command("matrix")
@LIBRARY_PATH
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write an Excel workbook.")
@click.option(
    "--markdown", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write a Markdown page."
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
    help="The next library's folder (GOVERNANCE_CONTRACT_TEMPLATES_CANDIDATE_DIR).",
)


@templates_group.command("impact")
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


@templates_group.command("promote")
@LIBRARY_PATH
@CANDIDATE_PATH
@click.option(
    "--backup-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the replaced library is kept (default: GOVERNANCE_DATA_DIR/contract_templates_backups).",
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


@click.group("contract")
def contract_group() -> None:
    """Contract drafts."""


@contract_group.command("render")
@click.argument("engagement_id", type=int)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The .docx to write."
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


class GovernanceCLIPlugin(CLIPluginProtocol):
    """Adds the governance commands to the Litestar CLI group."""

    def on_cli_init(self, cli: click.Group) -> None:
        """Register the commands."""
        from governance.reminders.cli import reminders_group

        for command in (
            reminders_group,
            serve_command,
            migrate_command,
            setup_link_command,
            users_group,
            tokens_group,
            audit_group,
            demo_data_command,
            templates_group,
            contract_group,
        ):
            cli.add_command(command)


def run_cli() -> None:
    """Entry point of the ``governance`` console script."""
    os.environ.setdefault("LITESTAR_APP", "governance.app:create_app")
    # Piccolo logs "Running Sqlite version …" at INFO whenever an engine is made; not news to an operator.
    logging.getLogger("piccolo").setLevel(logging.WARNING)
    from litestar.cli.main import litestar_group

    litestar_group()
