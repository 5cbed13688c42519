"""One rule for what the indexer reads and /pages/ serves: regular HTML files inside the corpus."""
import os

import pytest

from indexer.build import find_pages
from indexer.files import is_servable


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    (root / "net").mkdir(parents=True)
    (root / "net" / "about.html").write_text("<h1>About</h1>")
    (root / ".git").mkdir()
    (root / ".git" / "config.html").write_text("secret")
    (root / "net" / ".draft.html").write_text("draft")
    (tmp_path / "outside.html").write_text("outside")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "page.html").write_text("outside")
    os.symlink(tmp_path / "outside.html", root / "net" / "linked.html")
    os.symlink(tmp_path / "outside", root / "linked-folder")
    os.symlink("/etc/passwd", root / "passwd.html")
    (root / "notes.txt").write_text("not a page")
    (root / "folder.html").mkdir()
    return root


def test_only_regular_pages_inside_the_corpus_are_servable(corpus):
    assert is_servable(corpus, "net/about.html")
    for refused in ("net/linked.html", "linked-folder/page.html", "passwd.html", ".git/config.html",
                    "net/.draft.html", "../outside.html", "net/../../outside.html", "net/./about.html",
                    "/etc/passwd", "net//about.html", "net\\about.html", "notes.txt", "folder.html",
                    "missing.html", "net/about.html\0", ""):
        assert not is_servable(corpus, refused), refused


def test_the_indexer_reads_only_what_pages_would_serve(corpus):
    assert [p.relative_to(corpus).as_posix() for p in find_pages(corpus)] == ["net/about.html"]


def test_a_linked_corpus_folder_still_works(corpus, tmp_path):
    os.symlink(corpus, tmp_path / "current")
    assert is_servable(tmp_path / "current", "net/about.html")


def test_the_walk_and_the_rule_agree_on_every_file(corpus, tmp_path):
    os.symlink(corpus, tmp_path / "current")
    every = [p.relative_to(corpus).as_posix() for p in corpus.rglob("*")]
    assert [p.relative_to(tmp_path / "current").as_posix() for p in find_pages(tmp_path / "current")] == \
        sorted(rel for rel in every if is_servable(corpus, rel))
