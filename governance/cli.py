"""The ``governance`` command: serve, migrate, users, tokens, audit, demo data; templates in templates_cli.py.

Help texts are Japanese (``help=``); the docstrings stay English for the code's readers.
"""

from __future__ import annotations

import logging
import os
import sys

import click

from governance.cli_common import fail as _fail
from governance.cli_common import run_async


@click.command("migrate", help="適用待ちのデータベースマイグレーションを適用します。")
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


@click.command(
    "serve",
    help="マイグレーションを適用し、利用者が未登録なら初期設定用リンクを表示して、アプリケーションを起動します。",
)
@click.option("--host", default=None, help="待ち受けるアドレス（GOVERNANCE_HOST、既定 127.0.0.1）")
@click.option("--port", type=int, default=None, help="待ち受けるポート（GOVERNANCE_PORT、既定 8000）")
@click.option("--workers", type=int, default=None, help="ワーカープロセス数（GOVERNANCE_WORKERS、既定 1）")
@click.option("--migrate/--no-migrate", default=True, show_default=True, help="起動前にマイグレーションを適用する")
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


@click.command("setup-link", help="最初の管理者を作成する1回限りのリンクを発行します（利用者が未登録の間のみ）。")
def setup_link_command() -> None:
    """Print a new one-time link that creates the first administrator (only while no user exists)."""
    link = run_async(_setup_link)
    if not link:
        _fail("ユーザーが既に登録されているため、初期設定用リンクは発行できません。")
    click.echo(link)


@click.group("users", help="利用者を管理します。")
def users_group() -> None:
    """Manage users from the shell."""


@users_group.command("create", help="利用者（最初の管理者又はその他の職員）を作成します。")
@click.option("--username", required=True, help="ログイン名")
@click.option("--full-name", required=True, help="氏名")
@click.option("--email", default="", help="メールアドレス")
@click.option("--department-code", required=True, help="所属コード（未登録なら --department-name と共に作成）")
@click.option("--department-name", default="", help="所属名")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="役割（admin、security_officer、procurement など。複数指定可）",
)
@click.option("--password-stdin", is_flag=True, help="パスワードを対話入力でなく標準入力から読む")
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


@users_group.command("list", help="利用者を所属・役割と共に一覧表示します。")
def users_list() -> None:
    """List users with their departments and roles."""
    from governance.accounts.services import UserService

    for u in run_async(UserService().list_users):
        state = "" if u.active else "（無効）"
        click.echo(f"{u.id}\t{u.username}\t{u.full_name}\t{u.department_name}\t{','.join(u.roles)}{state}")


@click.group("tokens", help="個人用APIトークンを管理します。")
def tokens_group() -> None:
    """Personal API tokens."""


@tokens_group.command("create", help="USERNAME のAPIトークンを発行し、1回だけ表示します（監査ログに記録）。")
@click.argument("username")
@click.option("--name", default="自動処理", show_default=True, help="トークンの用途（100文字以内）")
@click.option("--expires-days", type=click.IntRange(min=1, max=3660), default=None, help="有効日数")
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


@click.group("audit", help="監査ログの道具です。")
def audit_group() -> None:
    """Audit log tools."""


@audit_group.command(
    "verify", help="監査ログのハッシュの連鎖を検証します（壊れていれば最初の記録を示して終了コード1）。"
)
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


@click.command("demo-data", help="試用のための架空の市のデータを登録し、デモ用ユーザーのパスワードを表示します。")
@click.option(
    "--migrate/--no-migrate", default=True, show_default=True, help="先に適用待ちのマイグレーションを適用する"
)
def demo_data_command(migrate: bool) -> None:
    """Load a fictional municipality for local trial (prints the demo users' passwords); migrates first."""
    from governance.db import apply_migrations, pending_migrations
    from governance.demo import load_demo_data

    if migrate:
        try:
            applied = run_async(apply_migrations)
        except RuntimeError as exc:
            _fail(f"マイグレーションに失敗しました：{exc}")
        if applied:
            click.echo(f"マイグレーションを適用しました（{len(applied)}件）。")
    elif pending := run_async(pending_migrations):
        _fail(
            f"データベースに未適用のマイグレーションが{len(pending)}件あります。"
            "先に governance migrate を実行してください（又は --no-migrate を付けずに実行してください）。"
        )
    created = run_async(load_demo_data)
    if not created:
        click.echo("デモデータは既に登録されています。")
        return
    click.secho("デモ用ユーザー（試用専用。本番環境では使わないでください）:", fg="yellow")
    for username, role, password in created:
        click.echo(f"  {username:<14} {role:<18} {password}")


@click.group(
    "governance",
    context_settings={"help_option_names": ["-h", "--help"]},
    help="委託事業者・外部サービス・SNSアカウントの情報セキュリティ管理（governance）の運用コマンドです。\n\n"
    "各コマンドの説明は governance COMMAND --help で表示します。",
)
def governance_group() -> None:
    """The ``governance`` console script: only this project's commands (not Litestar's run/routes/schema/…)."""


class GovernanceCLIPlugin:
    """Registers the governance commands on a click group (ours in run_cli, Litestar's when run as ``litestar``).

    It satisfies Litestar's runtime-checkable ``CLIPluginProtocol`` by its ``on_cli_init`` method, without importing
    Litestar: the ``governance`` command (cron's ``reminders run``) must start without loading the web framework.
    """

    def on_cli_init(self, cli: click.Group) -> None:
        """Register the commands."""
        from governance.backup import backup_command, restore_command
        from governance.files.check import files_group
        from governance.imports.cli import import_group
        from governance.reminders.cli import reminders_group
        from governance.templates_cli import contract_group, templates_group

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
        cli.add_command(import_group)
        for command in (backup_command, restore_command, files_group):  # backup.py, files/check.py
            cli.add_command(command)


def _show_help(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


def _japanese_help_option(command: click.Command) -> None:
    """Give the command (and its subcommands) a ``-h/--help`` option described in Japanese, once."""
    if command.add_help_option:
        command.add_help_option = False
        command.params.append(
            click.Option(
                ["-h", "--help"],
                is_flag=True,
                expose_value=False,
                is_eager=True,
                callback=_show_help,
                help="この説明を表示して終了します。",
            )
        )
    for sub in getattr(command, "commands", {}).values():
        _japanese_help_option(sub)


def run_cli() -> None:
    """Entry point of the ``governance`` console script."""
    # Piccolo logs "Running Sqlite version …" at INFO whenever an engine is made; not news to an operator.
    logging.getLogger("piccolo").setLevel(logging.WARNING)
    GovernanceCLIPlugin().on_cli_init(governance_group)
    _japanese_help_option(governance_group)
    governance_group(prog_name="governance")
