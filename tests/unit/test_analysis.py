"""The shared analyzer: spelling variants, stems, acronyms, and the synonym table."""
import pytest

from indexer.analysis import ACRONYM_ANALYZER, ACRONYM_WORD, american_spelling, analyze, parse_synonyms


@pytest.mark.parametrize("british, american", [
    ("tumour", "tumor"), ("oesophagus", "esophagus"), ("leukaemia", "leukemia"),
    ("diarrhoea", "diarrhea"), ("haemoglobin", "hemoglobin"), ("oestrogen", "estrogen"),
    ("paediatric", "pediatric"), ("organise", "organize"), ("specialised", "specialized"),
    ("analogue", "analog"), ("centre", "center"), ("anaemia", "anemia"),
    ("counselling", "counseling"), ("tumours", "tumors"),
])
def test_british_and_american_spellings_index_as_one_term(british, american):
    assert analyze(british) == analyze(american)
    assert analyze(british)  # not dropped


@pytest.mark.parametrize("word", ["hour", "four", "your", "disease", "diagnosis", "genre", "noise"])
def test_ordinary_words_are_not_bent_by_spelling_rules(word):
    assert american_spelling(word) == word


def test_analyzer_folds_case_accents_and_stems():
    assert analyze("Tumours SPREADING to the Liver") == analyze("tumor spread liver")
    assert analyze("Ménière") == analyze("meniere")


def test_acronym_analyzer_keeps_only_capitals_and_strips_plural():
    tokens = [t.text for t in ACRONYM_ANALYZER("NETs and a safety net, 5-HIAA and MEN1 or Ki-67")]
    assert tokens == ["NET", "HIAA", "MEN1"]


def test_synonym_rules_two_way_one_way_and_comments():
    table = parse_synonyms([
        "# comment line",
        "NET, neuroendocrine tumour",
        "neuroendocrine cancer => neuroendocrine cancer, NET, NEC",
        "",
        "tummy, abdomen  # trailing comment",
    ])
    net = {v.surface for v in table.variants(tuple(analyze("NET")))}
    assert net == {"NET", "neuroendocrine tumour"}
    cancer = {v.surface for v in table.variants(tuple(analyze("neuroendocrine cancer")))}
    assert cancer == {"neuroendocrine cancer", "NET", "NEC"}
    # one way: NEC alone does not expand back to neuroendocrine cancer
    assert table.variants(tuple(analyze("NEC"))) == ()
    assert {v.surface for v in table.variants(tuple(analyze("abdomen")))} == {"tummy", "abdomen"}
    assert table.acronyms() == {"NET", "NEC"}


def test_synonym_entries_are_analysed_like_documents():
    table = parse_synonyms(["tumour, growth"])
    # an American query spelling finds the British rule
    assert {v.surface for v in table.variants(tuple(analyze("tumors")))} == {"tumour", "growth"}


@pytest.mark.parametrize("text", [
    "NETs and a safety net, 5-HIAA and MEN1 or Ki-67", "NETé ÉNET NET's U.S. PRRTs GEP-NENs",
    "ABCd aBC 12AB AB12 A1B nets NETss 2B NET_NEC MRIscan CT/MRI (NPH) e.g. NHS-funded",
])
def test_acronym_prefilter_keeps_exactly_what_the_acronym_analyzer_keeps(text):
    """Build-time picking of acronyms must not change what the acronym field holds."""
    picked = " ".join(ACRONYM_WORD.findall(text))
    assert [t.text for t in ACRONYM_ANALYZER(picked)] == [t.text for t in ACRONYM_ANALYZER(text)]


def test_one_pass_word_forms_equal_the_chained_stock_filters():
    """Every token of the sample site, with positions, in index and query mode, both ways of stopping."""
    from pathlib import Path

    from indexer.analysis import TEXT_ANALYZER, chained_text_analyzer
    from indexer.parse import parse_html

    chained = chained_text_analyzer()
    root = Path(__file__).resolve().parents[2] / "corpus"
    texts = [s.text for page in sorted(root.rglob("*.html"))
             for s in parse_html(page.read_bytes(), page.name).sections]
    texts.append("The NETs' Ménière TUMOURS of a 5-HIAA test, e.g. i.e. x y z haemoglobin's")
    assert len(texts) > 500
    for text in texts:
        for kwargs in ({"positions": True}, {"mode": "query"}, {"removestops": False, "positions": True}):
            ours = [(t.text, t.pos if kwargs.get("positions") else None, t.stopped)
                    for t in TEXT_ANALYZER(text, **kwargs)]
            stock = [(t.text, t.pos if kwargs.get("positions") else None, t.stopped)
                     for t in chained(text, **kwargs)]
            assert ours == stock, text[:80]


def test_word_spans_are_the_analyzers_words_with_their_offsets():
    """Snippets find matches with word_spans: the same words, forms and offsets as the analyzer."""
    from pathlib import Path

    from indexer.analysis import TEXT_ANALYZER, word_spans
    from indexer.parse import parse_html

    root = Path(__file__).resolve().parents[2] / "corpus"
    texts = [s.text for page in sorted(root.rglob("*.html"))[:20]
             for s in parse_html(page.read_bytes(), page.name).sections]
    texts.append("The NETs' Ménière TUMOURS of a 5-HIAA test, e.g. i.e. x y z haemoglobin's U.S.A. 3.5mg")
    for text in texts:
        tokens = TEXT_ANALYZER(text, chars=True, mode="index", removestops=True)
        assert list(word_spans(text)) == [(t.startchar, t.endchar, t.text) for t in tokens], text[:80]
