"""Parser behaviour beyond the golden files: errors, anchors, dates, the inspect command."""
import json
import subprocess
import sys

import pytest

from indexer.model import ParseError
from indexer.parse import _iso_date, parse_html, slugify


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"   \n\t ", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    (b"Just a plain text note with no markup at all.", "no HTML markup"),
])
def test_unreadable_input_raises_parse_error_with_reason(data, reason):
    with pytest.raises(ParseError) as caught:
        parse_html(data, "notes/file.html")
    assert caught.value.path == "notes/file.html"
    assert reason in caught.value.reason


def test_utf16_page_with_bom_is_decoded():
    html = "<html><body><main><h1>Tumour</h1><p>Café au lait spots.</p></main></body></html>"
    page = parse_html(html.encode("utf-16"), "x.html")
    assert page.sections[0].text == "Café au lait spots."


def test_anchor_falls_back_from_heading_id_to_section_id_to_unique_slug():
    html = b"""<main><h1>T</h1>
      <h2 id="own">Has id</h2><p>a</p>
      <section id="wrapper"><h2>In a section</h2><p>b</p><h3>Second heading</h3><p>c</p></section>
      <h2>Same words</h2><p>d</p><h2>Same words</h2><p>e</p></main>"""
    anchors = [s.anchor for s in parse_html(html, "p.html").sections]
    assert anchors == ["own", "wrapper", "second-heading", "same-words", "same-words-2"]


def test_section_keys_and_positions_are_stable_and_ordered():
    html = b"<main><h1>T</h1><p>intro</p><h2 id='a'>A</h2><p>x</p><h3 id='b'>B</h3><p>y</p></main>"
    sections = parse_html(html, "dir/p.html").sections
    assert [s.key for s in sections] == ["dir/p.html#top", "dir/p.html#a", "dir/p.html#b"]
    assert [s.position for s in sections] == [0, 1, 2]
    assert sections[2].heading_path == ("T", "A", "B")


@pytest.mark.parametrize("raw, iso", [
    ("14 March 2025", "2025-03-14"), ("March 2028", "2028-03"), ("2024-05-02", "2024-05-02"),
    ("2/3/2024", "2024-03-02"), ("1st Sept 2026", "2026-09-01"), ("31 February 2025", None),
    ("Someday 2025", None),
])
def test_review_dates_are_normalised_to_iso(raw, iso):
    assert _iso_date(raw) == iso


def test_slugify_handles_accents_and_punctuation():
    assert slugify("Ménière's disease: what is it?") == "meniere-s-disease-what-is-it"
    assert slugify("???") == "section"


def test_inspect_command_prints_sections_as_json(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<main><h1>T</h1><h2 id='s'>Symptoms</h2><p>Flushing.</p></main>")
    out = subprocess.run([sys.executable, "-m", "indexer", "inspect", str(page)],
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    assert data["sections"][0]["anchor"] == "s"
    assert data["sections"][0]["text"] == "Flushing."


def test_inspect_reports_unreadable_file_and_exits_1(tmp_path):
    page = tmp_path / "broken.html"
    page.write_bytes(b"\x00\x01\x02binary")
    result = subprocess.run([sys.executable, "-m", "indexer", "inspect", str(page)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "binary data" in result.stderr


def test_stored_document_round_trips_to_the_same_section():
    from indexer.schema import document_for, section_from_document

    html = b"""<html><head><title>T | Site</title><meta name="description" content="d"></head><body>
      <nav class="breadcrumb"><ol><li>Home</li><li>Topic</li><li>T</li></ol></nav>
      <main><h1>T</h1><h2 id="a">A</h2><p>x</p><h3 id="b">B</h3><p>y</p>
      <p>Last reviewed: 1 May 2025</p></main></body></html>"""
    for section in parse_html(html, "dir/p.html").sections:
        assert section_from_document(document_for(section)) == section


def test_a_heading_or_section_id_with_a_boilerplate_word_is_still_content():
    """Ids like "sharing-your-feelings" are slugs of the section's own title, not furniture."""
    html = b"""<html><head><title>Coping | Site</title></head><body><main><h1>Coping</h1>
      <h2 id="sharing-your-feelings">Sharing your feelings</h2><p>Talking helps many people.</p>
      <section id="related-conditions"><h2>Related conditions</h2><p>Some people also have diabetes.</p>
      </section><div id="share-buttons"><a href="#">Share on social media</a></div></main></body></html>"""
    sections = parse_html(html, "coping.html").sections
    assert [s.heading for s in sections] == ["Sharing your feelings", "Related conditions"]
    assert "Share on social media" not in " ".join(s.text for s in sections)
