"""Spelling correction against the site's own words."""
from webapp.spelling import SiteSpelling, WordListCorrector

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
