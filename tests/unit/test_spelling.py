"""Spelling correction against the site's own words."""
from types import SimpleNamespace

from indexer.analysis import SynonymTable
from webapp.spelling import SiteSpelling, WordListCorrector
from webapp.understand import corrections

SITE = SiteSpelling(["diarrhoea", "whipple", "octreotide", "tumour", "much", "oesophagus"])


def test_a_misspelling_is_corrected_to_the_site_spelling():
    assert SITE.correct("octreatide") == "octreotide"


def test_american_misspellings_are_corrected_through_the_american_spelling():
    # two edits from "diarrhoea", too many for a short word; one from "diarrhea"
    assert SITE.correct("diarhea") == "diarrhoea"
    assert SITE.correct("esophogus") == "oesophagus"


def test_a_plural_of_a_word_the_site_writes_only_in_the_singular():
    assert SITE.correct("wipples") == "whipple"


def test_short_words_get_one_edit_only():
    assert SITE.correct("mums") is None


def test_both_spellings_are_known():
    assert SITE.knows("tumour") and SITE.knows("tumor")
    assert not SITE.knows("tumer")


def test_the_corrector_finds_the_first_word_of_its_list():
    # Whoosh's own ListCorrector misses it: its skipper steps past the word it should return
    assert WordListCorrector(["diarrhea", "zzz"]).suggest("diarhea", maxdist=1) == ["diarrhea"]


def test_of_equally_near_words_the_one_on_more_pages_wins():
    site = SiteSpelling(["colin", "colon"], pages={"colin": 1, "colon": 30})
    assert site.correct("colan") == "colon"
    assert SiteSpelling(["colin", "colon"], pages={"colin": 30, "colon": 1}).correct("colan") == "colin"


def test_a_nearer_word_wins_over_a_more_used_one():
    site = SiteSpelling(["octreotide", "octreotides"], pages={"octreotide": 1, "octreotides": 50})
    assert site.correct("octreatide") == "octreotide"


def test_long_rare_names_get_three_edits_shorter_words_fewer():
    site = SiteSpelling(["telotristat", "octreotide", "wiedemann"])
    assert site.correct("tellotrystatt") == "telotristat"  # thirteen letters, three edits
    assert site.correct("oktreotyd") is None  # nine letters, three edits: too far for its length
    assert site.correct("wieddeman") == "wiedemann"  # nine letters, two edits
    assert site.correct("wiedman") is None  # seven letters, two edits


def _live(words: list[str]) -> SimpleNamespace:
    """Just enough of a live generation for corrections(): its spelling and an empty reader."""
    return SimpleNamespace(spelling=SiteSpelling(words), searcher=SimpleNamespace(reader=frozenset))


def test_each_part_of_a_hyphenated_name_is_corrected():
    live = _live(["beckwith", "wiedemann", "syndrome"])
    assert corrections("Beckwith-Wieddeman syndrome", SynonymTable(), live) == {
        "Beckwith-Wieddeman": "beckwith-wiedemann"}


def test_real_english_words_and_corrections_to_framing_words_are_left_alone():
    live = _live(["too", "toxoplasmosis", "kidney"])
    assert corrections("toxo kids", SynonymTable(), live) == {}
