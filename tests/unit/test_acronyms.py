"""Acronyms the site defines: "long form (ACRONYM)" and "ACRONYM (long form)" found in section text."""
import pytest

from indexer.acronyms import Definition, find_definitions, page_definitions, site_acronyms
from indexer.model import PageMeta, Section


def pairs(text: str) -> list[tuple[str, str]]:
    return [(d.acronym, d.long_form) for d in find_definitions(text)]


@pytest.mark.parametrize("text, expected", [
    # initials of every word
    ("PRRT is short for peptide receptor radionuclide therapy (PRRT), a kind of internal radiotherapy.",
     ("PRRT", "peptide receptor radionuclide therapy")),
    ("A clinical nurse specialist (CNS) is often part of the team.", ("CNS", "clinical nurse specialist")),
    # inner letters of compound words
    ("It starts in the cells of a neuroendocrine tumour (NET).", ("NET", "neuroendocrine tumour")),
    ("The team is called a multidisciplinary team (MDT).", ("MDT", "multidisciplinary team")),
    ("A simple blood test measures Chromogranin A (CgA) in the blood.", ("CgA", "Chromogranin A")),
    ("Radiofrequency ablation (RFA) uses an electrical current.", ("RFA", "Radiofrequency ablation")),
    ("Avoid nonsteroidal anti-inflammatory drugs (NSAIDs) such as ibuprofen.",
     ("NSAID", "nonsteroidal anti-inflammatory drugs")),
    # joining words given or skipped
    ("Ductal carcinoma in situ (DCIS) is found on a mammogram.", ("DCIS", "Ductal carcinoma in situ")),
    ("Try the Dietary Approaches to Stop Hypertension (DASH) eating plan.",
     ("DASH", "Dietary Approaches to Stop Hypertension")),
    ("You may get Employment and Support Allowance (ESA) if you cannot work.",
     ("ESA", "Employment and Support Allowance")),
    # numbers, hyphens and plurals
    ("Multiple endocrine neoplasia type 1 (MEN1) causes tumours in several glands.",
     ("MEN1", "Multiple endocrine neoplasia type 1")),
    ("Some people with Von Hippel-Lindau (VHL) get pancreatic NETs.", ("VHL", "Von Hippel-Lindau")),
    ("Non-small cell lung cancer (NSCLC) is the most common type.", ("NSCLC", "Non-small cell lung cancer")),
    ("Medicines called proton pump inhibitors (PPIs), such as omeprazole, raise it.",
     ("PPI", "proton pump inhibitors")),
    # the acronym first, the long form in the bracket
    ("PRRT (peptide receptor radionuclide therapy) is given in 4 cycles.",
     ("PRRT", "peptide receptor radionuclide therapy")),
    ("A high level of 5-HIAA (5-hydroxyindoleacetic acid) can be a sign of a NET.",
     ("5-HIAA", "5-hydroxyindoleacetic acid")),
    ("Most NETs (neuroendocrine tumours) grow slowly.", ("NET", "neuroendocrine tumours")),
    # "long form, or ACRONYM"
    ("Pancreatic enzyme replacement therapy, or PERT, means taking capsules with food.",
     ("PERT", "Pancreatic enzyme replacement therapy")),
    ("They are called somatostatin analogues, or SSAs.", ("SSA", "somatostatin analogues")),
])
def test_finds_definitions(text, expected):
    assert pairs(text) == [expected]


@pytest.mark.parametrize("text", [
    "Your doctor may arrange a scan (CT) before the operation.",  # the words do not spell it
    "You may hear it called Sandostatin LAR (octreotide).",  # a name, not a long form
    "Telotristat ethyl (Xermelo) is a tablet for diarrhoea.",  # a brand name
    "A lack of vitamin B12 (pernicious anaemia) makes you tired.",  # B12 is not an acronym
    "Treatment may include surgery (see below) or radiotherapy.",
    "Tiny cells called platelets (PLATE-lets) help blood clot.",  # a pronunciation guide
    "The tumour is small (T1) and has not spread (N0).",
    "Full blood count tests, and others (FBC), are routine.",  # a comma ends the long form
    "It can be found in the (ERCP) report.",
    "You may have chemotherapy with capecitabine and temozolomide, or PRRT.",  # an alternative
    "Your heart is checked with an echo, or TEE.",
])
def test_ignores_brackets_that_define_nothing(text):
    assert pairs(text) == []


def test_prefers_initials_to_letters_inside_words():
    # "pump inhibitors" could spell PPI with the second P from inside "pump"
    found = pairs("omeprazole is one of the proton pump inhibitors (PPIs)")
    assert found == [("PPI", "proton pump inhibitors")]


def test_long_form_does_not_swallow_the_words_before_it():
    found = pairs("Ask your team about the multidisciplinary team (MDT).")
    assert found == [("MDT", "multidisciplinary team")]


def test_finds_several_definitions_in_one_text_in_order():
    text = ("Transarterial embolisation (TAE) and transarterial chemoembolisation (TACE) are similar; "
            "selective internal radiation therapy, or SIRT, uses beads.")
    assert pairs(text) == [("TAE", "Transarterial embolisation"), ("TACE", "transarterial chemoembolisation"),
                           ("SIRT", "selective internal radiation therapy")]


META = PageMeta(path="a.html", url="/a.html", title="A", h1="A", description="", breadcrumb=(), topic="")


def section(heading: str, text: str) -> Section:
    return Section(page=META, anchor="s", heading=heading, heading_path=(heading,), level=2, position=0,
                   text=text)


def test_page_definitions_read_headings_and_text_once_each():
    sections = [section("Ductal carcinoma in situ (DCIS)", "DCIS is non-invasive."),
                section("Treatment", "Ductal carcinoma in situ (DCIS) is treated with surgery.")]
    assert page_definitions(sections) == [Definition("DCIS", "Ductal carcinoma in situ")]


def test_site_acronyms_count_pages_and_prefer_the_common_long_form():
    pages = [[Definition("NET", "neuroendocrine tumour")],
             [Definition("NET", "Neuroendocrine tumour"), Definition("MDT", "multidisciplinary team")],
             [Definition("NET", "neuroendocrine tumours"), Definition("NET", "neuroendocrine tumour")]]
    listing = {entry["acronym"]: entry for entry in site_acronyms(pages)}
    assert listing["NET"]["long_form"] == "neuroendocrine tumour"
    assert listing["NET"]["pages"] == 3
    assert listing["NET"]["long_forms"] == {"neuroendocrine tumour": 3, "neuroendocrine tumours": 1}
    assert listing["MDT"] == {"acronym": "MDT", "long_form": "multidisciplinary team", "pages": 1,
                              "long_forms": {"multidisciplinary team": 1}}
