#!/usr/bin/env bash
# End-to-end check of the offline install (CI's "Leg 4: offline bundle"; runs by hand too):
# builds the bundle with contrib/bundle.sh, unpacks it in a temporary folder, runs its install.sh into a fresh venv
# with no package index at all, starts `governance serve` on a free port with a temporary SQLite database and data
# folder, and waits (at most 60 s) for /healthz to answer {"status": "ok"} (database reachable, every migration
# applied). Exits non-zero, with the server's log, when any step fails. Prints the time taken and the bundle's size.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
started=$(date +%s)

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build the bundle"
bash "$ROOT/contrib/bundle.sh" --python "$PYTHON" --out "$work/dist"
archive="$(ls "$work"/dist/governance-*.tar.gz)"
built=$(date +%s)

echo "== unpack and install with no package index"
mkdir "$work/unpacked"
tar -C "$work/unpacked" -xzf "$archive"
bundle="$(ls -d "$work"/unpacked/governance-*)"
# A bundle whose checksums do not match must be refused.
cp "$bundle/README.md" "$work/README.keep"
echo tampered >> "$bundle/README.md"
if bash "$bundle/install.sh" --prefix "$work/refused/venv" >"$work/refused.log" 2>&1; then
  echo "test-bundle: install.sh accepted a bundle whose checksums do not match" >&2
  exit 1
fi
grep -q SHA256SUMS "$work/refused.log" || { cat "$work/refused.log" >&2; exit 1; }
[ ! -e "$work/refused" ] || { echo "test-bundle: a refused install left $work/refused behind" >&2; exit 1; }
cp "$work/README.keep" "$bundle/README.md"
# Any index or find-links of this machine's pip configuration is out of reach; install.sh passes --no-index itself.
(cd "$work" && PIP_NO_INDEX=1 PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS="" PIP_EXTRA_INDEX_URL="" \
  bash "$bundle/install.sh" --prefix "$work/opt/venv" --templates-dir "$work/var/contract_templates" \
  --python "$PYTHON")
installed=$(date +%s)
# From $work: `python -` puts the current folder on sys.path, and the repository's governance/ must not be found.
(cd "$work" && "$work/opt/venv/bin/python" - "$ROOT") <<'PY'
import pathlib, sys
import governance
root = pathlib.Path(sys.argv[1]).resolve()
where = pathlib.Path(governance.__file__).resolve()
if root in where.parents:
    sys.exit(f"test-bundle: governance was imported from the repository ({where}), not from the bundle's venv")
print(f"governance imported from {where}")
PY

echo "== serve on a free port and wait for /healthz"
port="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$work/var/data" "$work/run"
(cd "$work/run" && exec env -u PYTHONPATH \
  DATABASE_URL="sqlite:///$work/var/governance.sqlite3" GOVERNANCE_DATA_DIR="$work/var/data" \
  GOVERNANCE_CONTRACT_TEMPLATES_DIR="$work/var/contract_templates" \
  "$work/opt/venv/bin/governance" serve --host 127.0.0.1 --port "$port" >"$work/serve.log" 2>&1) &
server_pid=$!
ok=0
for _ in $(seq 1 120); do
  if "$PYTHON" - "http://127.0.0.1:$port/healthz" <<'PY' 2>/dev/null; then
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as response:
    body = json.load(response)
print("healthz:", json.dumps(body, ensure_ascii=False))
sys.exit(0 if body.get("status") == "ok" and body["database"]["pending_migrations"] == 0 else 1)
PY
    ok=1
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.5
done
if [ "$ok" -ne 1 ]; then
  echo "test-bundle: /healthz did not answer ok within 60 s; the server's log:" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
grep -q "/setup/" "$work/serve.log" || { echo "test-bundle: no setup link printed" >&2; cat "$work/serve.log" >&2; exit 1; }
"$PYTHON" - "http://127.0.0.1:$port/help" <<'PY'
import sys, urllib.error, urllib.request
# The in-app help is the user guide packaged in the wheel; signed out it redirects to the sign-in page, which
# renders from the wheel's templates and static files.
with urllib.request.urlopen(sys.argv[1], timeout=5) as response:
    page = response.read().decode()
if response.status != 200 or "ログイン" not in page:
    sys.exit(f"test-bundle: /help gave {response.status} without the sign-in page")
PY
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
finished=$(date +%s)

size="$(du -h "$archive" | cut -f1)"
bytes="$(stat -c %s "$archive")"
echo "== offline bundle: OK — $(basename "$archive"), $size ($bytes bytes);" \
  "build $((built - started)) s, install $((installed - built)) s, total $((finished - started)) s"
