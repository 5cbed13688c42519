"""Duplicate sections and pages: exact and near groups, thresholds, page pairs, report formats."""
import itertools
import json
import random

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from indexer import duplicates
from indexer.duplicates import (
    CSV_COLUMNS,
    DuplicateReport,
    PagePair,
    find_duplicates,
    format_csv,
    format_table,
    jaccard,
    shingles,
)
from indexer.model import PageMeta, Section

VOCAB = [f"{a}{b}{c}" for a in ("ba", "ko", "mi", "su", "te", "ra") for b in ("l", "n", "r", "s", "t", "v")
         for c in ("o", "a", "um", "is", "en", "ic", "ar", "e")]  # 288 made-up words

OCTREOTIDE = ("Octreotide is a somatostatin analogue given as an injection. It slows the release of hormones "
              "from a neuroendocrine tumour, so flushing and diarrhoea usually ease within a few weeks. "
              "Most people have a long-acting injection once every four weeks from a nurse.")
OCTREOTIDE_REWRITTEN = ("Your specialist nurse may suggest octreotide, a drug that copies the natural "
                        "hormone somatostatin. Given by injection, every 28 days for most patients, it "
                        "calms the hormones a NET makes; symptoms like diarrhoea and hot flushes often "
                        "settle.")


def section(path: str, anchor: str, text: str, position: int = 0, topic: str = "NETs") -> Section:
    """A Section as the parser would make it, with only what duplicates look at filled in."""
    page = PageMeta(path=path, url="/" + path, title=f"Title of {path}", h1="", description="",
                    breadcrumb=(), topic=topic)
    return Section(page=page, anchor=anchor, heading=anchor.title(), heading_path=(anchor.title(),),
                   level=2, position=position, text=text)


def passage(seed: int, words: int) -> str:
    """Random but repeatable text from VOCAB, cut into sentences."""
    rng = random.Random(seed)
    chosen = rng.choices(VOCAB, k=words)
    return " ".join(word + ("." if i % 15 == 14 else "") for i, word in enumerate(chosen))


def mutate(text: str, fraction: float, seed: int) -> str:
    """`fraction` of the words replaced by words that never occur in the passage."""
    words = text.split()
    rng = random.Random(seed)
    for index in rng.sample(range(len(words)), round(len(words) * fraction)):
        words[index] = f"zz{rng.randrange(10**6)}"
    return " ".join(words)


def same_group(report: DuplicateReport, a: str, b: str) -> bool:
    return any({a, b} <= {m.key for m in group.members} for group in report.groups)


def test_shingles_and_jaccard_basics():
    assert shingles("The tumour, the TUMOUR!  grows") == {"the tumour the", "tumour the tumour",
                                                           "the tumour grows"}
    assert shingles("Two words") == {"two words"}
    assert shingles("  --  ") == set()
    assert jaccard({"a", "b"}, {"b", "c"}) == 1 / 3
    assert jaccard(set(), set()) == 0.0


def test_exact_group_ignores_case_spacing_and_punctuation():
    text = passage(1, 60)
    sections = [
        section("a.html", "one", text),
        section("a.html", "two", text.upper().replace(" ", "  \n"), position=1),  # same page still counts
        section("b.html", "copy", text.replace(".", "!")),
        section("c.html", "other", passage(2, 60)),
    ]
    report = find_duplicates(sections)
    assert len(report.groups) == 1
    group = report.groups[0]
    assert (group.kind, group.similarity) == ("exact", 1.0)
    assert [m.key for m in group.members] == ["a.html#one", "a.html#two", "b.html#copy"]
    assert group.members[0].words == 60
    assert group.members[0].page_title == "Title of a.html"


def test_sentence_added_to_120_words_is_a_near_pair_at_default_threshold():
    original = passage(3, 120)
    edited = original + " Ask your nurse about this before your next appointment at the clinic."
    report = find_duplicates([section("a.html", "s", original), section("b.html", "s", edited),
                              section("c.html", "s", passage(4, 120))])
    assert len(report.groups) == 1
    group = report.groups[0]
    assert group.kind == "near"
    assert [m.key for m in group.members] == ["a.html#s", "b.html#s"]
    assert group.similarity == jaccard(shingles(original), shingles(edited))
    assert 0.8 <= group.similarity < 1.0


def test_same_topic_written_differently_is_not_reported():
    assert jaccard(shingles(OCTREOTIDE), shingles(OCTREOTIDE_REWRITTEN)) < 0.1
    report = find_duplicates([section("a.html", "octreotide", OCTREOTIDE),
                              section("b.html", "octreotide", OCTREOTIDE_REWRITTEN)])
    assert report.groups == []


def test_near_copies_under_min_words_are_left_out():
    short = passage(5, 20)
    edited = short + " and one more"
    sections = [section("a.html", "contact", short), section("b.html", "contact", edited)]
    assert find_duplicates(sections).groups == []
    assert [g.kind for g in find_duplicates(sections, min_words=20).groups] == ["near"]


def test_exact_copies_are_reported_from_five_words():
    five, four = "Call our nurses on weekdays.", "Call our nurses today."
    sections = [section("a.html", "five", five), section("b.html", "five", five.upper() + "!"),
                section("a.html", "four", four, position=1), section("b.html", "four", four, position=1)]
    report = find_duplicates(sections)
    assert [(g.kind, [m.key for m in g.members]) for g in report.groups] == [
        ("exact", ["a.html#five", "b.html#five"])]  # four words: too short to say anything
    assert report.exact_min_words == 5 and report.min_words == 25
    assert find_duplicates(sections, exact_min_words=4).groups[1].members[0].key == "a.html#four"


def test_identical_members_of_a_near_group_name_their_twin():
    text = passage(9, 60)
    edited = text + " With one sentence added at the end."
    report = find_duplicates([section("c.html", "s", text), section("a.html", "s", edited),
                              section("b.html", "s", text), section("d.html", "s", text)])
    [group] = report.groups
    assert group.kind == "near"
    marks = {m.key: m.identical_to for m in group.members}
    assert marks == {"a.html#s": "", "b.html#s": "", "c.html#s": "b.html#s", "d.html#s": "b.html#s"}
    exact = find_duplicates([section("a.html", "s", text), section("b.html", "s", text)])
    assert [m.identical_to for m in exact.groups[0].members] == ["", ""]  # said once, by the kind


def test_a_block_on_most_pages_is_site_wide_and_listed_after_the_copies_to_review():
    box = "Our nurses are here to help. Call the free helpline on weekdays from nine until five."
    copied, also = passage(11, 40), passage(12, 40)
    sections = [section(f"p{i}.html", "support", box, position=5) for i in range(8)]
    sections += [section(f"p{i}.html", f"own{i}", passage(200 + i, 40)) for i in range(2, 8)]
    sections += [section("p0.html", "copied", copied), section("p1.html", "copied", copied),
                 section("p0.html", "also", also), section("p1.html", "also", also)]
    report = find_duplicates(sections)
    assert [(g.site_wide, len(g.members)) for g in report.groups] == [(False, 2), (False, 2), (True, 8)]
    assert report.pages == 8
    # page pairs count shared passages, but never through the site's furniture
    assert [(p.a, p.b, p.shared_sections) for p in report.shared_pages()] == [("p0.html", "p1.html", 2)]
    assert duplicates.is_site_wide(3, 4) is False  # a handful of pages says nothing
    assert duplicates.is_site_wide(26, 100) and not duplicates.is_site_wide(25, 100)


def test_exact_copies_join_a_near_group_as_one_and_larger_groups_come_first():
    text = passage(6, 100)
    near = text + " One more sentence here for the copy."
    pair = passage(7, 80)
    report = find_duplicates([
        section("a.html", "s", text), section("b.html", "s", text), section("c.html", "s", near),
        section("d.html", "s", pair), section("e.html", "s", pair),
    ])
    assert [(g.kind, len(g.members)) for g in report.groups] == [("near", 3), ("exact", 2)]
    assert report.groups[0].similarity == jaccard(shingles(text), shingles(near))


def test_a_section_given_twice_is_not_its_own_duplicate():
    one = section("a.html", "s", passage(8, 50))
    assert find_duplicates([one, one]).groups == []


def test_page_pairs_compare_whole_pages_in_position_order():
    texts = [passage(10 + i, 15) for i in range(4)]  # each section is too short to count on its own
    page_a = [section("a.html", f"s{i}", t, position=i) for i, t in enumerate(texts)]
    edited = [*texts[:3], texts[3] + " and one more"]
    page_b = [section("b.html", f"s{i}", t, position=i) for i, t in enumerate(edited)][::-1]
    page_c = [section("c.html", f"s{i}", passage(20 + i, 15), position=i) for i in range(4)]
    report = find_duplicates([*page_b, *page_c, *page_a])
    # the three unchanged sections are exact copies (over five words); none is long enough for a near one
    assert [[m.key for m in g.members] for g in report.groups] == [
        [f"a.html#s{i}", f"b.html#s{i}"] for i in range(3)]
    expected = jaccard(shingles(" ".join(texts)), shingles(" ".join(edited)))
    assert report.page_pairs == [PagePair("a.html", "b.html", expected)]
    assert expected >= 0.8


def test_near_identical_pages_sharing_no_section_are_page_pairs_too():
    lines = [" ".join(passage(70 + i, 4).rstrip(".").split()) for i in range(12)]  # four words each
    edited = [*lines[:11], "quite another closing line"]
    report = find_duplicates([*(section("a.html", f"s{i}", t, i) for i, t in enumerate(lines)),
                              *(section("b.html", f"s{i}", t, i) for i, t in enumerate(edited))])
    assert report.groups == []  # every section is under five words
    [pair] = report.shared_pages()
    assert (pair.a, pair.b, pair.shared_sections) == ("a.html", "b.html", 0)
    assert pair.similarity == report.page_pairs[0].similarity >= 0.8


def test_synthetic_mutations_are_found_exactly_when_jaccard_reaches_the_threshold():
    original = passage(30, 200)
    percents = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30)
    results = {}
    for k in percents:
        for seed in range(3):
            mutated = mutate(original, k / 100, seed)
            similarity = jaccard(shingles(original), shingles(mutated))
            report = find_duplicates([section("a.html", "s", original), section("b.html", "s", mutated)])
            found = same_group(report, "a.html#s", "b.html#s")
            assert found == (similarity >= 0.8), (k, seed, similarity)  # no miss, no false verification
            if found:
                assert report.groups[0].similarity == similarity
            results[k, seed] = (found, similarity)
    mean = [np.mean([results[k, seed][1] for seed in range(3)]) for k in percents]
    assert all(later <= earlier + 0.02 for earlier, later in itertools.pairwise(mean))
    assert all(results[k, seed][0] for k in (1, 2) for seed in range(3))
    assert not any(results[k, seed][0] for k in (10, 15, 20, 30) for seed in range(3))
    in_between = {results[k, seed][0] for k in (3, 4, 5, 6, 8) for seed in range(3)}
    assert in_between == {True, False}  # the fall-off happens between the two ends


def test_candidates_are_exactly_minhashlsh_buckets_with_the_same_bands():
    texts = [passage(100 + i, 60) for i in range(60)]
    texts += [mutate(t, 0.05, i) for i, t in enumerate(texts[:20])]
    settings = duplicates.DuplicateSettings(threshold=0.8, num_perm=128, shingle_size=3)
    word_hashes = duplicates._WordHashes()
    hashes = [duplicates._shingle_hashes(duplicates.normalised_words(t), 3, word_hashes) for t in texts]
    signatures = duplicates._signatures(hashes, 128)
    lsh = MinHashLSH(num_perm=128, params=duplicates._lsh_params(0.8, 128))
    for row, values in enumerate(signatures):
        lsh.insert(row, LeanMinHash(seed=1, hashvalues=values, scheme="affine32"))
    expected = {(i, j) for i, values in enumerate(signatures)
                for j in lsh.query(LeanMinHash(seed=1, hashvalues=values, scheme="affine32")) if i < j}
    assert duplicates._candidate_pairs(signatures, settings) == expected
    assert len(expected) >= 19


def test_report_round_trips_through_json():
    text = passage(40, 60)
    pages = [section(path, f"s{i}", passage(50 + i, 40), position=i)
             for path in ("x.html", "y.html") for i in range(2)]
    report = find_duplicates([section("a.html", "s", text), section("b.html", "s", text), *pages])
    assert report.groups and report.page_pairs
    assert DuplicateReport.from_dict(json.loads(json.dumps(report.to_dict()))) == report


def test_csv_and_table_formats():
    text, other = passage(60, 40), passage(61, 40)
    report = find_duplicates([section("a.html", "s", text), section("b.html", "t", text),
                              section("a.html", "u", other, 1), section("b.html", "v", other + " x", 1),
                              section("c.html", "w", other, 1)])
    lines = format_csv(report).splitlines()
    assert lines[0] == ("row,group,kind,similarity,path,anchor,heading,page_title,topic,words,"
                        "identical_to,site_wide,other_path,shared_sections")
    assert tuple(lines[0].split(",")) == CSV_COLUMNS
    assert lines[1:] == ["section,1,near,0.974,a.html,u,U,Title of a.html,NETs,40,,no,,",
                         "section,1,near,0.974,b.html,v,V,Title of b.html,NETs,41,,no,,",
                         "section,1,near,0.974,c.html,w,W,Title of c.html,NETs,40,a.html#u,no,,",
                         "section,2,exact,1.000,a.html,s,S,Title of a.html,NETs,40,,no,,",
                         "section,2,exact,1.000,b.html,t,T,Title of b.html,NETs,40,,no,,",
                         "page pair,,,0.987,a.html,,,,,,,,b.html,2",  # near-identical pages too
                         "page pair,,,,a.html,,,,,,,,c.html,1",
                         "page pair,,,,b.html,,,,,,,,c.html,1"]
    table = format_table(report)
    assert "a.html#s" in table and "b.html#t" in table and "#2 exact" in table
    assert "(identical to a.html#u)" in table


def test_csv_never_hands_a_spreadsheet_a_formula_from_a_page():
    text = passage(62, 40)
    formula = section("a.html", '=hyperlink("http://x")', text)
    report = find_duplicates([formula, section("b.html", "t", text)])
    row = format_csv(report).splitlines()[1]
    assert ',"\'=Hyperlink(""Http://X"")",' in row  # the heading, quoted with an apostrophe
    assert row.startswith("section,1,exact,1.000,a.html,")


def test_signatures_equal_datasketch_minhash_affine32():
    """Our numpy MinHash is datasketch's (affine32, seed 1), without importing SciPy at build time."""
    from datasketch import MinHash

    rng = np.random.default_rng(5)
    batches = [rng.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32) for n in (1, 7, 300)]
    ours = duplicates._signatures([*batches, np.zeros(0, dtype=np.uint32)], 128)
    for row, values in enumerate(batches):
        reference = MinHash(num_perm=128, seed=1, hashfunc=int, scheme="affine32")
        reference.update_batch(values.tolist())
        assert np.array_equal(ours[row], reference.hashvalues)
    assert (ours[-1] == 0xFFFFFFFF).all()  # an empty text has the empty signature
