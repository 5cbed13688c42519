"""Incremental builds at site scale: shared segment files, and a duplicate report that stays exact."""
import json
import random
from pathlib import Path

from sitegen import page_html, write_corpus

from indexer import store
from indexer.build import build_index

WORDS = [f"{a}{b}{c}" for a in ("ba", "ko", "mi", "su", "te") for b in ("l", "n", "r", "s")
         for c in ("o", "a", "um", "is", "en", "ic")]  # 120 made-up words


def passage(rng: random.Random, words: int = 60) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def near_copy(rng: random.Random, text: str) -> str:
    words = text.split()
    words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


# The site's furniture, in a current wording (site-wide) and an older one left on a few pages.
SUPPORT_BOXES = ("Call our nurses on the free helpline from nine until five on weekdays. " * 3,
                 "Call our nurses on the free helpline from nine until six on weekdays. " * 3)


def random_page(rng: random.Random, pool: list[str]) -> str:
    """A page of three sections (some copies or near copies of earlier ones), often a short note
    copied word for word (exact copies count from five words), sometimes the support box."""
    sections = {}
    for number in range(3):
        roll = rng.random()
        if pool and roll < 0.25:
            text = rng.choice(pool)
        elif pool and roll < 0.45:
            text = near_copy(rng, rng.choice(pool))
        else:
            text = passage(rng)
        pool.append(text)
        sections[f"Part {number}"] = text
    if rng.random() < 0.5:
        sections["Note"] = passage(random.Random(rng.randrange(4)), rng.choice((4, 5, 12)))
    if rng.random() < 0.7:
        sections["Getting support"] = SUPPORT_BOXES[rng.random() < 0.2]
    return page_html(f"Page {rng.randrange(10**6)}", sections)


def duplicates_of(index_dir: Path) -> dict:
    path = store.current_generation(index_dir).path / store.DUPLICATES_FILE
    return json.loads(path.read_text(encoding="utf-8"))


def test_incremental_duplicate_report_equals_a_full_recomputation(tmp_path):
    rng, pool, seen = random.Random(7), [], set()
    corpus = write_corpus(tmp_path / "corpus", {f"p{i}.html": random_page(rng, pool) for i in range(30)})
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    for round_number in range(4):
        pages = sorted(corpus.glob("*.html"))
        for path in rng.sample(pages, 3):
            path.unlink()
        for path in rng.sample([p for p in pages if p.exists()], 4):
            path.write_text(random_page(rng, pool), encoding="utf-8")
        write_corpus(corpus, {f"new{round_number}-{i}.html": random_page(rng, pool) for i in range(3)})
        build_index(corpus, tmp_path / "index", workers=1, semantic=False)
        build_index(corpus, tmp_path / f"full{round_number}", full=True, workers=1, semantic=False)
        incremental = duplicates_of(tmp_path / "index")
        assert incremental == duplicates_of(tmp_path / f"full{round_number}")
        assert incremental["groups"] and incremental["page_pairs"] is not None
        seen.update((g["kind"], min(m["words"] for m in g["members"]) < 25, g["site_wide"],
                     any(m["identical_to"] for m in g["members"])) for g in incremental["groups"])
    # every kind of finding was exercised: short exact copies, identical members, site-wide blocks
    assert ("exact", True, False, False) in seen and ("near", False, False, True) in seen
    assert {wide for _, _, wide, _ in seen} == {True, False}


def test_a_build_after_an_upgrade_of_the_duplicate_finder_remakes_the_report(tmp_path):
    """An unchanged corpus is normally "up to date"; not when the stored report is an older kind."""
    corpus = write_corpus(tmp_path / "corpus", {f"p{i}.html": page_html(f"Page {i}", {
        "Note": "Bring a list of your medicines."}) for i in range(2)})
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    before = store.current_generation(tmp_path / "index")
    assert build_index(corpus, tmp_path / "index", workers=1, semantic=False).generation == before.name
    info = json.loads((before.path / store.BUILD_INFO).read_text(encoding="utf-8"))
    del info["duplicates_version"]  # as a build before this finder wrote it
    (before.path / store.BUILD_INFO).write_text(json.dumps(info), encoding="utf-8")
    (before.path / store.DUPLICATES_FILE).write_text(json.dumps({"threshold": 0.8, "min_words": 25}))
    report = build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    assert report.generation != before.name
    assert [len(g["members"]) for g in duplicates_of(tmp_path / "index")["groups"]] == [2]


def test_an_edit_shares_unchanged_segment_files_with_the_live_generation(tmp_path):
    rng = random.Random(3)
    corpus = write_corpus(tmp_path / "corpus", {f"p{i}.html": random_page(rng, []) for i in range(20)})
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    before = store.current_generation(tmp_path / "index").path
    segments = {p.name: p.stat().st_ino for p in before.glob("*.seg")}
    (corpus / "p3.html").write_text(random_page(rng, []), encoding="utf-8")
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    after = store.current_generation(tmp_path / "index").path
    shared = {p.name for p in after.glob("*.seg") if segments.get(p.name) == p.stat().st_ino}
    assert after != before and shared  # the big segment is the same file, not a copy
    assert {p.name: p.stat().st_ino for p in before.glob("*.seg")} == segments  # old one untouched


def test_spelling_vocabulary_holds_every_word_of_every_section_once_per_page(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.html": page_html("Alpha", {
        "One": "octreotide lanreotide", "Two": "lanreotide everolimus", "Three": "sunitinib"})})
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    index, _ = store.open_index(tmp_path / "index")
    with index.searcher() as searcher:
        words = {w.decode() for w in searcher.lexicon("spelling")}
        assert {"octreotide", "lanreotide", "everolimus", "sunitinib", "alpha"} <= words
        assert searcher.doc_frequency("spelling", "lanreotide") == 1


def test_the_build_record_names_the_sites_boilerplate_headings(tmp_path):
    """Worked out once per build, so no search reads every section to find them."""
    pages = {f"p{i}.html": page_html(f"Page {i}", {f"Topic {i}": "Own words.", "Getting support": "Call us."})
             for i in range(8)}
    corpus = write_corpus(tmp_path / "corpus", pages)
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    assert store.current_generation(tmp_path / "index").info["boilerplate_headings"] == ["getting support"]


def acronyms_of(index_dir: Path) -> dict[str, dict[str, int]]:
    path = store.current_generation(index_dir).path / "acronyms.json"
    listing = json.loads(path.read_text(encoding="utf-8"))["acronyms"]
    return {entry["acronym"]: entry["long_forms"] for entry in listing}


def test_acronyms_follow_changed_and_deleted_pages(tmp_path):
    prrt = "Peptide receptor radionuclide therapy (PRRT) is a kind of internal radiotherapy."
    corpus = write_corpus(tmp_path / "corpus", {
        "prrt.html": page_html("PRRT", {"About": prrt}),
        "team.html": page_html("Team", {"Who": "Your multidisciplinary team (MDT) meets weekly."}),
        "also.html": page_html("Also", {"More": "The MDT (multidisciplinary team) plans it."}),
    })
    index = tmp_path / "index"
    build_index(corpus, index, workers=1, semantic=False)
    assert acronyms_of(index) == {"PRRT": {"peptide receptor radionuclide therapy": 1},
                                  "MDT": {"multidisciplinary team": 2}}
    write_corpus(corpus, {"team.html": page_html("Team", {"Who": "The team meets weekly."})})
    (corpus / "prrt.html").unlink()
    build_index(corpus, index, workers=1, semantic=False)
    assert acronyms_of(index) == {"MDT": {"multidisciplinary team": 1}}
    full = tmp_path / "full"
    build_index(corpus, full, full=True, workers=1, semantic=False)
    assert acronyms_of(full) == acronyms_of(index)


def test_acronyms_of_pages_recorded_before_they_were_looked_for_are_read_back(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {
        "a.html": page_html("A", {"One": "Ductal carcinoma in situ (DCIS) is found on mammograms."}),
        "b.html": page_html("B", {"Two": "Nothing to define here."}),
    })
    index = tmp_path / "index"
    build_index(corpus, index, workers=1, semantic=False)
    generation = store.current_generation(index)
    info = json.loads((generation.path / store.BUILD_INFO).read_text(encoding="utf-8"))
    for record in info["pages"].values():  # as an older build wrote them
        record.pop("acronyms")
    (generation.path / store.BUILD_INFO).write_text(json.dumps(info), encoding="utf-8")
    write_corpus(corpus, {"b.html": page_html("B", {"Two": "Still nothing."})})
    build_index(corpus, index, workers=1, semantic=False)
    assert acronyms_of(index) == {"DCIS": {"ductal carcinoma in situ": 1}}
