#!/usr/bin/env bash
# Build an offline install bundle for a server without internet access (LGWAN):
#   dist/governance-<version>-<python tag>-<platform>.tar.gz
# holding a wheelhouse (the app's wheel and every runtime dependency), the migrations and the contract clause
# library (neither is inside the wheel: the app finds them beside its package, see install.sh), the docs,
# contrib/ (systemd units, nginx site, fontconfig), install.sh, BUNDLE_INFO and SHA256SUMS.
#
# Run it on a machine with access to the package index, of the same OS and Python as the server:
#   contrib/bundle.sh                                   # for this interpreter and platform
#   contrib/bundle.sh --python-version 3.12 --platform manylinux2014_x86_64   # cross-build: binary wheels only
# Options: --python PROG (interpreter that builds, default python3), --out DIR (default dist/ of the repository).
set -euo pipefail

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
PY_VERSION=""
PLATFORM=""
OUT="$ROOT/dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --python-version) PY_VERSION="${2:?--python-version needs a value such as 3.11}"; shift 2 ;;
    --platform) PLATFORM="${2:?--platform needs a pip platform tag such as manylinux2014_x86_64}"; shift 2 ;;
    --python) PYTHON="${2:?--python needs a program}"; shift 2 ;;
    --out) OUT="${2:?--out needs a directory}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bundle.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

own_version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
cross=0
if [ -n "$PY_VERSION" ] && [ "$PY_VERSION" != "$own_version" ]; then cross=1; fi
if [ -n "$PLATFORM" ]; then cross=1; fi
PY_VERSION="${PY_VERSION:-$own_version}"
if [ -z "$PLATFORM" ]; then
  PLATFORM="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_platform().replace("-", "_").replace(".", "_"))')"
fi
PY_TAG="cp${PY_VERSION/./}"
VERSION="$("$PYTHON" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' \
  "$ROOT/pyproject.toml")"
NAME="governance-$VERSION-$PY_TAG-$PLATFORM"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stage="$work/$NAME"
mkdir -p "$stage/wheelhouse" "$OUT"

echo "== $NAME: the app's wheel"
# Built from a copy of the tree (without virtualenvs, caches or earlier builds) so the checkout is left untouched.
mkdir "$work/src"
tar -C "$ROOT" --exclude=./.git --exclude=./.venv --exclude=./dist --exclude=./build --exclude='*.egg-info' \
  --exclude=__pycache__ --exclude=./artifacts --exclude='./governance.sqlite3*' --exclude=./governance-data \
  -cf - . | tar -C "$work/src" -xf -
"$PYTHON" -m pip wheel -q --no-deps "$work/src" -w "$stage/wheelhouse"
app_wheel="$(ls "$stage/wheelhouse"/governance-"$VERSION"-*.whl)"

echo "== $NAME: runtime dependencies for Python $PY_VERSION on $PLATFORM"
if [ "$cross" -eq 1 ]; then
  "$PYTHON" -m pip download -q --only-binary=:all: --python-version "$PY_VERSION" --platform "$PLATFORM" \
    --implementation cp -d "$stage/wheelhouse" "$app_wheel"
else
  "$PYTHON" -m pip wheel -q -w "$stage/wheelhouse" "$app_wheel"
fi
if ls "$stage/wheelhouse" | grep -v '\.whl$' >/dev/null; then
  echo "bundle.sh: the wheelhouse holds files that are not wheels:" >&2
  ls "$stage/wheelhouse" | grep -v '\.whl$' >&2
  exit 1
fi

echo "== $NAME: migrations, clause library, docs, contrib, install.sh"
cp -r "$ROOT/piccolo_migrations" "$ROOT/contract_templates" "$stage/"
mkdir -p "$stage/docs"
cp "$ROOT"/docs/*.md "$stage/docs/"
cp "$ROOT/README.md" "$ROOT/LICENSE" "$stage/"
mkdir -p "$stage/contrib"
cp -r "$ROOT/contrib/systemd" "$ROOT/contrib/nginx" "$ROOT/contrib/fontconfig" "$stage/contrib/"
install -m 0755 "$ROOT/contrib/install.sh" "$stage/install.sh"
find "$stage" -name __pycache__ -prune -exec rm -rf {} +
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
cat > "$stage/BUNDLE_INFO" <<INFO
version=$VERSION
python_version=$PY_VERSION
platform=$PLATFORM
commit=$commit
built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
INFO
(cd "$stage" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum \
  > SHA256SUMS)

archive="$OUT/$NAME.tar.gz"
tar -C "$work" -czf "$archive" "$NAME"
echo "== wrote $archive ($(du -h "$archive" | cut -f1), $(ls "$stage/wheelhouse" | wc -l) wheels)"
echo "$archive"
