"""The sample site: every page parses cleanly into sections with metadata, and the manifest and
question sets name sections that exist."""
import json
from functools import cache
from pathlib import Path

import pytest

from indexer.analysis import analyze, load_synonyms
from indexer.build import find_pages
from indexer.parse import parse_file

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
PAGES = find_pages(CORPUS)
# Headings of site furniture: if one of these becomes a section, boilerplate leaked through.
FURNITURE = {"we use cookies on this website", "main menu", "on this page", "related pages",
             "was this page helpful?", "site information", "contact us", "about us"}


@cache
def parsed(path: Path):
    return parse_file(path, CORPUS)


@cache
def all_keys() -> set[str]:
    return {s.key for page in PAGES for s in parsed(page).sections}


def test_corpus_is_big_enough():
    assert len(PAGES) >= 45
    assert len(all_keys()) >= 350
    topics = {parsed(p).meta.topic for p in PAGES}
    assert {"Neuroendocrine cancer", "Bowel cancer", "Lung cancer", "Pancreatic cancer",
            "Stomach cancer", "Breast cancer"} <= topics


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(CORPUS).as_posix() for p in PAGES])
def test_page_parses_into_sections_with_metadata(page):
    result = parsed(page)
    meta = result.meta
    assert result.warnings == []
    assert meta.h1 and meta.title and meta.topic and meta.breadcrumb
    assert meta.last_reviewed and meta.next_review_due and meta.next_review_due > meta.last_reviewed
    assert len(result.sections) >= 5
    for section in result.sections:
        assert section.heading.lower() not in FURNITURE, section.key
        assert "Accept all cookies" not in section.text and "registered charity" not in section.text
        assert "Last reviewed" not in section.text


def test_section_keys_are_unique_across_the_site():
    keys = [s.key for page in PAGES for s in parsed(page).sections]
    assert len(keys) == len(set(keys))


def test_manifest_names_real_sections():
    manifest = json.loads((CORPUS / "duplicates.json").read_text(encoding="utf-8"))
    assert len(manifest["exact"]) >= 3 and len(manifest["near"]) >= 5 and manifest["distinct"]
    named = [key for kind in ("exact", "near", "distinct") for entry in manifest[kind]
             for key in entry["sections"]]
    assert sorted(set(named) - all_keys()) == []


def test_question_set_names_real_sections():
    lines = (ROOT / "bench" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    assert len(questions) >= 100
    missing = {key for q in questions for key in q["relevant"]} - all_keys()
    assert sorted(missing) == []


def test_real_question_set_grades_real_sections():
    lines = (ROOT / "bench" / "questions_real.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    assert len(questions) >= 40
    assert all(set(q["judgements"].values()) <= {1, 2} and 2 in q["judgements"].values()
               for q in questions)
    missing = {key for q in questions for key in q["judgements"]} - all_keys()
    assert sorted(missing) == []


def test_synonyms_cover_the_required_rules():
    table = load_synonyms(CORPUS / "synonyms.txt")

    def expands(text: str) -> set[str]:
        return {v.surface for v in table.variants(tuple(analyze(text)))}

    assert "neuroendocrine tumour" in expands("NET")
    assert "neuroendocrine carcinoma" in expands("NEC")
    assert {"NET", "NEC"} <= expands("neuroendocrine cancer")
    assert "peptide receptor radionuclide therapy" in expands("PRRT")
    assert "family doctor" in expands("GP") and "colorectal" in expands("bowel")
    assert "abdomen" in expands("tummy") and "vomiting" in expands("being sick")


@cache
def corpus_duplicates():
    from indexer.duplicates import find_duplicates

    return find_duplicates([s for page in PAGES for s in parsed(page).sections])


def group_of(key: str) -> int | None:
    """Index of the reported duplicate group a section is in, if any."""
    return next((i for i, g in enumerate(corpus_duplicates().groups)
                 if key in {m.key for m in g.members}), None)


@pytest.mark.parametrize("kind", ["exact", "near"])
def test_every_planted_duplicate_is_found_at_the_default_threshold(kind):
    manifest = json.loads((CORPUS / "duplicates.json").read_text(encoding="utf-8"))
    for entry in manifest[kind]:
        groups = {group_of(key) for key in entry["sections"]}
        assert None not in groups, (entry["passage"], "not reported")
        assert len(groups) == 1, (entry["passage"], "split across groups")


def test_same_topic_different_text_is_never_reported():
    manifest = json.loads((CORPUS / "duplicates.json").read_text(encoding="utf-8"))
    for entry in manifest["distinct"]:
        a, b = entry["sections"]
        assert group_of(a) is None or group_of(a) != group_of(b), entry["topic"]


def test_nothing_unplanted_is_reported():
    manifest = json.loads((CORPUS / "duplicates.json").read_text(encoding="utf-8"))
    planted = {key for kind in ("exact", "near") for e in manifest[kind] for key in e["sections"]}
    reported = {m.key for g in corpus_duplicates().groups for m in g.members}
    assert sorted(reported - planted) == []
