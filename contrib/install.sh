#!/usr/bin/env bash
# Offline installer inside a bundle made by contrib/bundle.sh (its source is contrib/install.sh of the repository).
# Needs no network: it installs only from the bundle's wheelhouse.
#
#   sudo ./install.sh                       # venv /opt/governance/venv, clause library /var/lib/governance/...
#   ./install.sh --prefix DIR [--templates-dir DIR] [--python PROG]
#
# --prefix DIR         the virtual environment to create or upgrade (default /opt/governance/venv); the docs, the
#                      contrib files and this version's clause library are copied to DIR/../share
# --templates-dir DIR  the live clause library (GOVERNANCE_CONTRACT_TEMPLATES_DIR, default
#                      /var/lib/governance/contract_templates); copied only when it does not exist yet
# --python PROG        the interpreter for the venv (default python3); must be the bundle's Python version
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
PREFIX=/opt/governance/venv
TEMPLATES_DIR=/var/lib/governance/contract_templates
PYTHON=python3

die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="${2:?--prefix にはディレクトリを指定してください}"; shift 2 ;;
    --templates-dir) TEMPLATES_DIR="${2:?--templates-dir にはディレクトリを指定してください}"; shift 2 ;;
    --python) PYTHON="${2:?--python にはプログラムを指定してください}"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "不明なオプションです：$1（--help を参照してください）" ;;
  esac
done
case "$PREFIX" in /*) ;; *) PREFIX="$PWD/$PREFIX" ;; esac
case "$TEMPLATES_DIR" in /*) ;; *) TEMPLATES_DIR="$PWD/$TEMPLATES_DIR" ;; esac

echo "== チェックサムを検証します（SHA256SUMS）"
(cd "$HERE" && sha256sum -c --quiet --strict SHA256SUMS) \
  || die "バンドルのファイルが SHA256SUMS と一致しません。コピーをやり直してください（中止しました）。"

info() { sed -n "s/^$1=//p" "$HERE/BUNDLE_INFO"; }
want="$(info python_version)"
version="$(info version)"
command -v "$PYTHON" >/dev/null || die "$PYTHON が見つかりません。Python $want をインストールしてください。"
have="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
[ "$have" = "$want" ] || die "このバンドルは Python $want 用です（$PYTHON は Python $have）。Python $want で実行するか\
（--python）、このサーバーと同じ Python のマシンでバンドルを作り直してください。"
if [ -x "$PREFIX/bin/python" ]; then
  venv_has="$("$PREFIX/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  [ "$venv_has" = "$want" ] || die "既存の仮想環境 $PREFIX は Python $venv_has です。別の --prefix を指定するか、削除してから実行してください。"
fi

echo "== 仮想環境 $PREFIX に governance $version をインストールします（ネットワークは使いません）"
[ -x "$PREFIX/bin/python" ] || "$PYTHON" -m venv "$PREFIX" \
  || die "仮想環境を作成できません（Debian では python3-venv パッケージが必要です）。"
# Only the bundle's wheelhouse: no index, and no pip configuration of this machine (its find-links or indexes).
env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT -u PIP_REQUIREMENT \
  PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$PREFIX/bin/python" -m pip install -q --no-index --find-links "$HERE/wheelhouse" --upgrade governance \
  || die "wheelhouse からのインストールに失敗しました（上のメッセージを確認してください）。"

# The app reads its migrations from piccolo_migrations/ beside the governance package (governance/piccolo_app.py),
# and the wheel does not carry them: put this version's migrations there.
site="$("$PREFIX/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
rm -rf "$site/piccolo_migrations"
cp -r "$HERE/piccolo_migrations" "$site/piccolo_migrations"

share="$(dirname "$PREFIX")/share"
echo "== 文書・contrib・この版の条項ライブラリを $share に置きます"
mkdir -p "$share"
rm -rf "$share/docs" "$share/contrib" "$share/contract_templates"
cp -r "$HERE/docs" "$HERE/contrib" "$HERE/contract_templates" "$share/"
cp "$HERE/README.md" "$HERE/LICENSE" "$HERE/BUNDLE_INFO" "$share/"

new_templates=1
if [ -e "$TEMPLATES_DIR" ]; then
  new_templates=0
else
  echo "== 条項ライブラリを $TEMPLATES_DIR に置きます"
  mkdir -p "$(dirname "$TEMPLATES_DIR")"
  cp -r "$HERE/contract_templates" "$TEMPLATES_DIR"
fi

"$PREFIX/bin/governance" --help >/dev/null || die "インストールした governance コマンドが起動しません。"
"$PREFIX/bin/governance" templates check --path "$TEMPLATES_DIR" >/dev/null \
  || die "条項ライブラリ $TEMPLATES_DIR の検査（governance templates check）に失敗しました。"

bin="$PREFIX/bin/governance"
cat <<NEXT

governance $version をインストールしました（$bin）。

次の手順:
 1. サービス用の利用者とデータディレクトリを作成します（例）:
      sudo adduser --system --group --home /var/lib/governance governance
      sudo install -d -o governance -g governance -m 0750 /var/lib/governance /var/lib/governance/data
      sudo chown -R governance:governance $TEMPLATES_DIR
      sudo install -d -o governance -g governance -m 0750 /var/backups/governance
 2. 設定ファイルを置き、内容（DATABASE_URL、GOVERNANCE_BASE_URL、GOVERNANCE_MUNICIPALITY_NAME、メール送信など）を
    確認します。条項ライブラリの場所は GOVERNANCE_CONTRACT_TEMPLATES_DIR=$TEMPLATES_DIR です。
      sudo install -d -m 0755 /etc/governance
      sudo install -m 0640 -g governance $share/contrib/systemd/governance.env /etc/governance/governance.env
    データベースは DATABASE_URL で指定します（本番は postgresql://…、小規模なら
    sqlite:////var/lib/governance/governance.sqlite3）。
 3. systemd のユニットを登録して起動します（起動時にマイグレーションが適用されます）:
      sudo cp $share/contrib/systemd/governance*.service $share/contrib/systemd/governance*.timer /etc/systemd/system/
      sudo systemctl daemon-reload
      sudo systemctl enable --now governance governance-reminders.timer governance-backup.timer
    手で試すときは: set -a; . /etc/governance/governance.env; set +a; $bin serve
 4. 初回の起動時に表示される初期設定用リンク（journalctl -u governance で確認できます）を開き、最初の管理者を作成します。
    リンクを失くしたときは governance setup-link で再発行できます。
 5. HTTPS は nginx で終端します: $share/contrib/nginx/governance.conf を /etc/nginx/sites-available/ に置き、
    server_name と証明書のパスを直してから nginx -t で確認し、有効にしてください。
 6. 通知（governance reminders run、5分ごと）とバックアップ（governance backup /var/backups/governance --keep 14、毎日）は
    上の timer が実行します。cron を使う場合は同じコマンドを登録してください。
 詳しくは $share/docs/operator-guide.md の「オフライン環境へのインストール」を参照してください。
NEXT
if [ "$new_templates" -eq 0 ]; then
  cat <<NOTE

注意: 条項ライブラリ $TEMPLATES_DIR は既にあるため、上書きしていません。この版の条項ライブラリは
$share/contract_templates にあります。GOVERNANCE_CONTRACT_TEMPLATES_CANDIDATE_DIR に指定して
governance templates impact で影響を確かめてから governance templates promote で反映してください。
NOTE
fi
