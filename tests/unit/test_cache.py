"""The result cache: copies out, bounded, emptied by a new index generation, shared between workers."""
import pickle
import sqlite3
from dataclasses import dataclass, field

from webapp.cache import RenderedPages, ResultCache, SharedResults
from webapp.present import Hit, SearchResponse, SectionLink


@dataclass
class Box:
    """A cacheable value: a list callers may change in their copies."""

    items: list = field(default_factory=list)

    def copy(self):
        return Box(list(self.items))

    def weight(self):
        return 10 * len(self.items)


def test_a_new_generation_empties_the_cache():
    cache = ResultCache(max_entries=2)
    assert cache.get("gen-1", "q") is None
    cache.put("gen-1", "q", Box([1]))
    assert cache.get("gen-1", "q") == Box([1])
    assert cache.get("gen-2", "q") is None  # a build published: nothing old is served
    cache.put("gen-1", "q", Box([1]))  # a slow search of the old generation finishing late
    assert cache.get("gen-2", "q") is None


def test_the_least_recently_used_response_goes_first():
    cache = ResultCache(max_entries=2)
    cache.get("g", "a")
    cache.put("g", "a", Box([1]))
    cache.put("g", "b", Box([2]))
    cache.get("g", "a")
    cache.put("g", "c", Box([3]))
    assert (cache.get("g", "a"), cache.get("g", "b"), cache.get("g", "c")) == (Box([1]), None, Box([3]))


def test_memory_holds_at_most_so_many_characters():
    cache = ResultCache(max_chars=100)
    cache.get("g", 0)
    for n in range(10):
        cache.put("g", n, Box([n] * 3))  # 30 characters each
    assert [n for n in range(10) if cache.get("g", n) is not None] == [7, 8, 9]
    cache.put("g", "huge", Box([0] * 50))  # larger than the bound: kept alone, as the latest
    assert cache.get("g", "huge") is not None and cache.get("g", 9) is None


def response() -> SearchResponse:
    link = SectionLink(anchor="b", heading="B", url="https://x.org/p#b", snippet="more", score=1.0)
    hit = Hit(path="p.html", anchor="a", url="https://x.org/p", page_title="P", heading="A",
              heading_path=["P", "A"], topic="t", kind="overview", snippet="s", score=2.0,
              more_sections=[link])
    return SearchResponse(query="q", results=[hit], total=1, matched_pages=1)


def test_a_response_copy_can_be_changed_as_the_links_and_best_bets_change_it():
    original = response()
    mine = original.copy()
    mine.results[0].url = "/pages/p.html"
    mine.results[0].more_sections[0].url = "/pages/p.html#b"
    mine.results[0].more_sections = []
    mine.results.insert(0, mine.results[0])
    mine.total = 2
    assert original == response()


def test_a_search_answered_by_one_worker_is_a_hit_for_the_other(tmp_path):
    one = ResultCache(shared=SharedResults(tmp_path / "results.sqlite3", "v1"))
    other = ResultCache(shared=SharedResults(tmp_path / "results.sqlite3", "v1"))
    assert one.get("gen-1", ("carcinoid", 1)) is None and other.get("gen-1", ("carcinoid", 1)) is None
    one.put("gen-1", ("carcinoid", 1), response())
    assert other.get("gen-1", ("carcinoid", 1)) == response()
    assert other.hits == 1
    assert other.get("gen-2", ("carcinoid", 1)) is None  # a new build: the old answer is not served


def test_code_of_another_shape_never_reads_an_entry(tmp_path):
    old = ResultCache(shared=SharedResults(tmp_path / "results.sqlite3", "shape-1"))
    new = ResultCache(shared=SharedResults(tmp_path / "results.sqlite3", "shape-2"))
    old.put("g", "q", response())
    assert new.get("g", "q") is None


def test_a_new_generation_clears_the_old_ones_entries_from_the_file(tmp_path):
    path = tmp_path / "results.sqlite3"
    cache = ResultCache(shared=SharedResults(path, "v1"))
    cache.get("gen-1", "q")
    cache.put("gen-1", "q", response())
    restarted = ResultCache(shared=SharedResults(path, "v1"))  # a worker started after the build
    restarted.get("gen-2", "q")
    restarted.put("gen-2", "q", response())
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT generation FROM results").fetchall() == [("gen-2",)]


def test_the_shared_file_stays_bounded(tmp_path):
    shared = SharedResults(tmp_path / "results.sqlite3", "v1", max_entries=5)
    cache = ResultCache(shared=shared)
    cache.get("g", 0)
    for n in range(600):  # a trim every TRIM_EVERY writes
        cache.put("g", n, Box([n]))
    with sqlite3.connect(tmp_path / "results.sqlite3") as db:
        count = db.execute("SELECT count(*) FROM results").fetchone()[0]
    assert count <= 5 + 256
    assert cache.get("g", 599) == Box([599])


def test_an_unreadable_entry_or_file_is_a_miss_not_an_error(tmp_path):
    path = tmp_path / "results.sqlite3"
    cache = ResultCache(shared=SharedResults(path, "v1"))
    cache.get("g", "q")
    cache.put("g", "q", response())
    with sqlite3.connect(path) as db:
        db.execute("UPDATE results SET value = ?", (pickle.dumps(response())[:20],))
    assert ResultCache(shared=SharedResults(path, "v1")).get("g", "q") is None
    (tmp_path / "junk.sqlite3").write_bytes(b"this is not a database" * 100)
    broken = ResultCache(shared=SharedResults(tmp_path / "junk.sqlite3", "v1"))
    broken.get("g", "q")
    broken.put("g", "q", response())
    assert broken.get("g", "q") == response()  # still served from the worker's own memory
    missing = ResultCache(shared=SharedResults(tmp_path / "no-index-yet" / "results.sqlite3", "v1"))
    assert missing.get("g", "q") is None


def test_unsafe_links_and_best_bets_change_a_copy_never_the_cached_response():
    from webapp.curator import put_first
    from webapp.links import safe_response

    cached = response()
    cached.results[0].url = "javascript:alert(1)"
    shown = safe_response(cached, frozenset({"x.org"}))
    assert shown.results[0].url == "/pages/p.html" and cached.results[0].url == "javascript:alert(1)"
    safe = response()
    assert safe_response(safe, frozenset({"x.org"})) is safe  # nothing to change: no copy made
    pinned = {"key": "p.html#b", "path": "p.html", "anchor": "b", "url": "https://x.org/p", "topic": "t",
              "kind": "overview", "display_heading": "B", "heading_path": ["P", "B"], "body": "more",
              "page": {"h1": "P", "title": "P"}}
    picked = put_first(safe.copy(), [pinned], full_passages=False)
    assert picked.results[0].pinned and picked.results[1].more_sections == []
    assert safe == response()


def test_a_responses_page_is_rendered_once_per_form_and_the_pages_kept_are_bounded():
    pages = RenderedPages(max_entries=2, max_chars=100)
    renders = []

    def render(text):
        def make():
            renders.append(text)
            return text
        return make

    first, second = Box([1]), Box([1])  # equal, but different responses
    assert pages.page(first, "search.html", render("a")) == "a"
    assert pages.page(first, "search.html", render("again")) == "a"  # kept: not rendered again
    assert pages.page(first, "_results.html", render("b")) == "b"  # another template: its own page
    assert pages.page(second, "search.html", render("c")) == "c"  # another response: its own page
    assert renders == ["a", "b", "c"]
    assert pages.page(first, "search.html", render("d")) == "d"  # two kept at most: the oldest went
    assert pages.page(first, "x", render("y" * 101)) == "y" * 101  # too big to keep, still served
    assert pages.page(first, "x", render("z")) == "z"
