"""Proposed fixes for failed searches, on an index without meaning vectors."""
from indexer.analysis import SynonymTable, parse_synonyms
from indexer.build import build_index
from webapp.proposals import propose
from webapp.search import SearchService


def service_over(corpus, tmp_path, synonyms: SynonymTable) -> SearchService:
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    return SearchService(tmp_path / "index", synonyms, semantic=False)


def test_acronyms_the_site_spells_out_are_proposed_until_a_synonym_covers_them(small_corpus, tmp_path):
    service = service_over(small_corpus, tmp_path, SynonymTable())
    ideas = [idea.to_dict() for idea in propose(service, "net flushing").synonyms]
    assert ideas == [{"word": "NET", "target": "neuroendocrine tumour", "source": "acronym",
                      "rule": "NET => neuroendocrine tumour"}]
    service.use_synonyms(parse_synonyms(["NET, neuroendocrine tumour"]))
    assert propose(service, "net flushing").synonyms == []


def test_without_vectors_the_pin_is_the_best_section_holding_any_word(small_corpus, tmp_path):
    service = service_over(small_corpus, tmp_path, SynonymTable())
    proposal = propose(service, "octreotide jabs")
    assert proposal.pin["key"] == "net/treatment.html#octreotide" and proposal.pin["source"] == "words"
    assert propose(service, "wibble").pin is None


def test_a_misspelling_too_far_for_the_corrector_is_proposed_by_spelling(small_corpus, tmp_path):
    service = service_over(small_corpus, tmp_path, SynonymTable())
    proposal = propose(service, "flshng")
    assert proposal.spelling is None  # the visitors' corrector allows one edit at six letters
    assert [idea.rule for idea in proposal.synonyms] == ["flshng => flushing"]
    assert propose(service, "diarhoea").spelling == "diarrhoea"
