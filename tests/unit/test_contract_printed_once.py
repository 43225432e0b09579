"""A draft works the clauses' printed lines out once: the document, the page and the stored records share them."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path

import pytest

from governance.actor import Actor
from governance.contracts.clauses import select_clauses
from governance.contracts.context import Preview, chosen_clauses, clause_records, printed_once
from governance.contracts.documents import render_contract
from governance.contracts.library import load_library, sample_context
from governance.contracts.records import printed_clauses, records_of
from governance.engagements.facts import EngagementFacts
from governance.files.services import DOCX, FileService
from governance.files.storage import LOCAL
from tests.unit.test_contract_documents import ROOT, library, paragraphs

FACTS = EngagementFacts(
    confidentiality="3B", personal_info=True, specific_personal_info=True, segments=frozenset({"mynumber"}),
    work_kinds=frozenset({"system_operation", "cloud_service"}), work_locations=frozenset({"onsite"}),
    remote_access=True, subcontracting=True, subcontractors=("株式会社下請",),
)  # fmt: skip


def test_a_document_from_the_previews_lines_reads_as_one_printed_from_scratch():
    lib = library()
    selected = select_clauses(FACTS, lib)
    assert {s.clause.section for s in selected} == {s.id for s in lib.sections}, "main text and annex both printed"
    context = sample_context()
    preview = Preview(lib, selected, context, 1, context["contractor"]["name"])
    printed = [c["lines"] for c in preview.printed]
    assert paragraphs(render_contract(lib, selected, context, printed=printed)) == paragraphs(
        render_contract(lib, selected, context)
    )
    with pytest.raises(ValueError):
        render_contract(lib, selected, context, printed=printed[:-1])


def test_the_preview_prints_once_and_its_records_are_those_printed_afresh():
    lib = library()
    context = sample_context()
    preview = Preview(lib, select_clauses(FACTS, lib), context, 1, context["contractor"]["name"])
    assert preview.rendered() is preview.rendered() is preview.printed  # worked out once per preview
    assert preview.printed == printed_clauses(lib, preview.selected, context)
    assert clause_records(preview) == records_of(lib, preview.selected, context)


def test_a_known_content_type_is_only_for_the_apps_own_output():
    files = FileService(Path("/nonexistent"), storage=LOCAL)
    actor = Actor(id=1, label="契約", roles=frozenset())
    for kwargs in ({"content_type": DOCX}, {"content_type": "text/html", "generated": True}):
        with pytest.raises(ValueError):  # refused before anything is read or written
            asyncio.run(files.save(b"PK\x03\x04 not a docx", "x.docx", actor=actor, **kwargs))


def test_the_same_facts_and_context_select_and_print_once_per_library():
    lib = library()
    selected = chosen_clauses(lib, FACTS)
    assert selected is chosen_clauses(lib, FACTS) and selected == select_clauses(FACTS, lib)
    fewer = chosen_clauses(lib, EngagementFacts())
    assert fewer is not selected and fewer == select_clauses(EngagementFacts(), lib) and len(fewer) < len(selected)
    other = load_library(ROOT)  # the same files loaded again: a new library object is never answered from the old
    assert chosen_clauses(other, FACTS) is not selected
    context = sample_context()
    printed = printed_once(lib, selected, context)
    assert printed is printed_once(lib, selected, copy.deepcopy(context))  # same content, same answer
    renamed = copy.deepcopy(context)
    renamed["engagement"]["title"] = "別名の委託業務"
    again = printed_once(lib, selected, renamed)
    assert again == printed_clauses(lib, selected, renamed) != printed
    assert any("別名の委託業務" in line.full for c in again for line in c["lines"])
