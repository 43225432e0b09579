"""Benchmark of a file download (GET /files/{id}) with the bytes in the database against the bytes on disk.

Run from the repository root (SQLite, in a temporary directory; about 20 s on 2 cores)::

    .venv/bin/python bench/file_storage.py [--rounds 30] [--size-kb 1024]

It applies the migrations to a scratch SQLite file, creates a signed-in auditor, stores one PDF of ``--size-kb`` with
``GOVERNANCE_FILE_STORAGE=local`` (DATA_DIR/files, the storage before issue 16: the baseline) and one of the same size
with ``database`` (file_blob), checks that both download byte-identical, then times the whole request (the app through
ASGI, session check, record, bytes, hash check, response) for each, the two rows interleaved in every round. Target:
the database row at most 2× the disk row (median), and a 1 MB download under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0
TARGET_MS = 50.0


async def main(rounds: int, size_kb: int) -> int:
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import httpx

    from governance.accounts import schemas
    from governance.accounts.services import UserService
    from governance.actor import Actor
    from governance.app import create_app
    from governance.db import close_connections, db_lifespan, run_migrations, write_transaction
    from governance.files.services import FileService
    from governance.settings import get_settings

    with contextlib.redirect_stdout(sys.stderr):
        await run_migrations()
    await close_connections()
    settings = get_settings()
    body = b"%PDF-1.4\n" + os.urandom(size_kb * 1024 - 16).hex().encode()[: size_kb * 1024 - 16] + b"\n%%EOF\n"
    data = {kind: body[:-7] + kind[:1].encode() + body[-7:] for kind in ("local", "database")}
    async with db_lifespan():
        async with write_transaction():
            users = UserService()
            dept = await users.create_department(schemas.DepartmentCreate(code="JOHO", name="情報政策課"),
                                                 actor=Actor.system("bench"))  # fmt: skip
            await users.create_user(schemas.UserCreate(username="kansa", full_name="監査 氏", department_id=dept,
                                                       roles=["auditor"], password="correct-horse-battery"),
                                    actor=Actor.system("bench"))  # fmt: skip
            ids = {
                kind: await FileService(settings.data_dir, storage=kind).save(data[kind], "a.pdf",
                                                                              actor=Actor.system("bench"))
                for kind in data
            }  # fmt: skip
        transport = httpx.ASGITransport(app=create_app(settings), client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await client.get("/login")
            await client.post("/login", data={"username": "kansa", "password": "correct-horse-battery", "next": "/"},
                              headers={"x-csrftoken": client.cookies.get("gov_csrf", "")})  # fmt: skip
            for kind, file_id in ids.items():
                r = await client.get(f"/files/{file_id}")
                if r.status_code != 200 or r.content != data[kind]:
                    print(f"MISMATCH: {kind} download {r.status_code}")
                    return 1
            times: dict[str, list[float]] = {"local": [], "database": []}
            for i in range(rounds):
                order = ("local", "database") if i % 2 == 0 else ("database", "local")
                for kind in order:
                    t0 = time.perf_counter()
                    r = await client.get(f"/files/{ids[kind]}")
                    times[kind].append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200
    med = {kind: statistics.median(v) for kind, v in times.items()}
    p95 = {kind: sorted(v)[int(len(v) * 0.95) - 1] for kind, v in times.items()}
    ratio = med["database"] / med["local"]
    print(f"GET /files/{{id}}, {size_kb} KB PDF, {rounds} interleaved rounds (SQLite)")
    for kind, label in (("local", "bytes on disk (baseline)"), ("database", "bytes in file_blob")):
        print(f"  {label:26} median {med[kind]:7.2f} ms   p95 {p95[kind]:7.2f} ms")
    met = ratio <= TARGET_RATIO and med["database"] < TARGET_MS
    verdict = "met" if met else "MISSED"
    print(f"database/disk = {ratio:.2f}; target ≤ {TARGET_RATIO}× and < {TARGET_MS:.0f} ms: {verdict}")
    from benchresult import emit

    emit("file_storage", f"GET /files/{{id}} {size_kb} KB from file_blob (median)", "sqlite", med["database"], "ms",
         baseline=med["local"], ratio=ratio, target=f"≤ {TARGET_RATIO}× disk, < {TARGET_MS:.0f} ms",
         met=met)  # fmt: skip
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--size-kb", type=int, default=1024)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="gov-bench-files-"))
    try:
        os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"
        os.environ["GOVERNANCE_DATA_DIR"] = str(directory / "data")
        os.environ["GOVERNANCE_LOG_LEVEL"] = "WARNING"
        os.environ.pop("PICCOLO_CONF", None)
        sys.exit(asyncio.run(main(args.rounds, args.size_kb)))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
