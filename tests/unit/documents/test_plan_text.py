"""What counts as the same words when plans are compared: Vietnamese kept, form ignored."""
from __future__ import annotations

import unicodedata

from services.documents.adapters.plan_text import extract_text
from services.documents.domain.similarity import jaccard, shingles, words

from plan_corpus import lesson_plan, text_docx, text_pdf  # type: ignore[import-not-found]


def test_case_spacing_punctuation_and_unicode_form_do_not_matter_but_diacritics_do() -> None:
    nfd = unicodedata.normalize("NFD", "Học sinh   QUAN SÁT,\ntranh ảnh.")
    assert words(nfd) == ["học", "sinh", "quan", "sát", "tranh", "ảnh"]
    assert words("hoc sinh") != words("học sinh") and words("học") != words("hóc")
    plan = lesson_plan(1)
    assert jaccard(shingles(plan), shingles(unicodedata.normalize("NFD", plan.upper()))) == 1.0


def test_a_text_too_short_to_compare_has_no_shingles() -> None:
    assert shingles("Kế hoạch bài dạy tuần 5") == frozenset()


def test_pdf_and_docx_of_one_plan_give_the_same_words() -> None:
    plan = lesson_plan(2)
    from_pdf, from_docx = extract_text(text_pdf(plan), "pdf"), extract_text(text_docx(plan), "docx")
    assert words(from_docx) == words(plan)
    assert jaccard(shingles(from_pdf), shingles(plan)) > 0.95


def test_unreadable_files_give_no_text_rather_than_an_error() -> None:
    assert extract_text(b"%PDF-1.7 broken", "pdf") == ""
    assert extract_text(b"PK\x03\x04 not a zip", "docx") == ""
    assert extract_text(b"\x89PNG", "png") == ""
