"""Generated Word documents open in a real LibreOffice and keep their Japanese text (converted to PDF)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from governance.engagements.documents import render_selection_record
from governance.engagements.schemas import SelectionCreate
from governance.engagements.services import EngagementService, SelectionService
from tests.helpers import engagement_data, make_contractor, make_department, make_user

REPO = Path(__file__).resolve().parents[2]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _require_libreoffice() -> str:
    if SOFFICE is None:
        message = "LibreOffice is not installed (Debian: libreoffice-writer; .ci/run installs it)"
        if os.environ.get("GOVERNANCE_REQUIRE_BROWSER") == "1":  # CI: every real-tool test must run
            pytest.fail(message)
        pytest.skip(message)
    return SOFFICE


def to_pdf(docx: bytes, workdir: Path) -> Path:
    """Convert with LibreOffice headless, using the project's font aliases for Japanese document fonts."""
    soffice = _require_libreoffice()
    source = workdir / "record.docx"
    source.write_bytes(docx)
    fonts = workdir / "fonts.conf"
    fonts.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<include>{REPO / 'contrib/fontconfig/60-governance-japanese.conf'}</include></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(fonts), "HOME": str(workdir)}
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{workdir}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(workdir), str(source)],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    pdf = workdir / "record.pdf"
    assert result.returncode == 0 and pdf.exists(), result.stdout + result.stderr
    return pdf


async def test_selection_record_converts_to_pdf_with_japanese_text(tmp_path):
    from pypdf import PdfReader

    from governance.actor import Actor

    uid = await make_user("keiyaku", "procurement")
    actor = Actor(id=uid, label="契約", roles=frozenset({"procurement"}))
    eid = await EngagementService().create(engagement_data(department_id=await make_department()), actor=actor)
    sid = await SelectionService().create(eid, SelectionCreate(method="open_proposal"), actor=actor)
    await SelectionService().add_candidate(sid, await make_contractor("株式会社みどり情報"), actor=actor)
    record = render_selection_record(
        await SelectionService().get(sid), await EngagementService().get(eid), issued_on=dt.date(2026, 4, 1)
    )
    pdf = to_pdf(record, tmp_path)
    reader = PdfReader(pdf)
    text = "".join(page.extract_text() for page in reader.pages)
    expected_texts = (
        "委託事業者選定記録", "住民情報システム運用保守業務", "令和8年4月1日", "OUT-SEL-13", "株式会社みどり情報",
    )  # fmt: skip
    for expected in expected_texts:
        assert expected in text.replace(" ", ""), expected
    fonts = {
        str(font.get("/BaseFont"))
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
        for font in [font.get_object()]
    }
    assert any("CJK" in f for f in fonts), fonts  # rendered in Noto CJK, not a fallback without Japanese glyphs


async def test_bid_package_documents_convert_to_pdf_with_japanese_text(tmp_path):
    """Every Word file of a 調達用一式 (目次, 仕様書, 特記事項, 選定基準表, 様式) opens in LibreOffice."""
    import io
    import zipfile

    from pypdf import PdfReader

    from governance.actor import Actor
    from governance.contracts.bidding import BidService
    from governance.contracts.tables import BidPackage
    from governance.settings import get_settings

    uid = await make_user("keiyaku", "procurement")
    actor = Actor(id=uid, label="契約", roles=frozenset({"procurement"}))
    eid = await EngagementService().create(engagement_data(department_id=await make_department()), actor=actor)
    svc = BidService.from_settings(get_settings())
    package_id = await svc.create_package(eid, actor=actor)
    _, data = await svc.package_document(eid, package_id)
    archive = zipfile.ZipFile(io.BytesIO(data))
    expected = {"00_": "調達用一式目次", "01_": "第１適用範囲", "02_": "第１乙は", "03_": "OUT-SEL-13", "04_": "様式第"}
    assert (await BidPackage.count()) == 1 and len(archive.namelist()) > 4
    for n, name in enumerate(archive.namelist()):
        workdir = tmp_path / str(n)
        workdir.mkdir()
        text = "".join(page.extract_text() for page in PdfReader(to_pdf(archive.read(name), workdir)).pages)
        assert expected.get(name[:3], "住民情報システム運用保守業務") in text.replace(" ", "").replace("　", ""), name


def test_every_form_converts_to_pdf_with_its_number_and_title(tmp_path):
    """Every 様式 of the shipped library, pre-filled from a check, opens in LibreOffice and keeps its Japanese text."""
    from pypdf import PdfReader

    from governance.contracts.documents import numerals
    from governance.contracts.form_documents import render_form
    from governance.contracts.library import load_library
    from governance.contracts.templating import form_sample_context

    library = load_library(REPO / "contract_templates")
    assert library.forms
    for n, form in enumerate(library.forms):
        workdir = tmp_path / str(n)
        workdir.mkdir()
        pdf = to_pdf(render_form(form, form_sample_context()), workdir)
        text = "".join(page.extract_text() for page in PdfReader(pdf).pages).replace(" ", "").replace("　", "")
        for expected in (numerals(form.number), form.title, "見本業務", "令和８年５月１日"):
            assert expected in text, (form.id, expected)


async def test_amendment_and_version_comparison_convert_to_pdf_with_the_comparison_table(tmp_path):
    """A 覚書 (変更契約書) with its 新旧対照表, and the 新旧対照表 of two versions, open in LibreOffice."""
    from pypdf import PdfReader

    from governance.contracts.amendments import AmendmentService
    from governance.contracts.services import ContractService, Municipality
    from governance.settings import get_settings
    from tests.helpers import revised_library, sign_contract

    sc = await sign_contract()
    s = get_settings()
    promoted = ContractService(templates_dir=revised_library(tmp_path / "next"), data_dir=s.data_dir,
                               municipality=Municipality("みどり市", "みどり市長 緑川 一郎"))  # fmt: skip
    amendments = AmendmentService(promoted)
    vid = await amendments.draft(sc.engagement_id, actor=sc.procurement)
    _, memorandum = await promoted.version_document(vid)
    _, comparison = await amendments.compare_document(sc.engagement_id, vid, sc.version_id)
    for name, data, expected in (
        ("memo", memorandum, ("業務委託契約の一部を変更する覚書", "原契約の一部を別紙新旧対照表のとおり改める",
                              "改正後", "改正前", "（新設）", "生成AIの利用")),
        ("table", comparison, ("新旧対照表", "住民情報システム運用保守業務委託契約", "改正後", "（新設）")),
    ):  # fmt: skip
        workdir = tmp_path / name
        workdir.mkdir()
        text = "".join(page.extract_text() for page in PdfReader(to_pdf(data, workdir)).pages)
        for phrase in expected:
            assert phrase in text.replace(" ", "").replace("\n", ""), (name, phrase)
