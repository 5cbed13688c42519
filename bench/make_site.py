"""Generate a large, deterministic site with the sample corpus's markup, for scale benchmarks.

    .venv/bin/python -m bench.make_site --pages 10000 --seed 1      # -> var/sites/pages-10000-seed-1/
    .venv/bin/python bench/make_site.py --pages 1000 --seed 7 --out /tmp/site

Same --pages and --seed give byte-identical files. The words come from the sample corpus itself
(its sentences, headings and vocabulary, read with the project's own parser) mixed with made-up
words on a Zipf-like curve. A share of sections is planted as exact and near copies; they are
listed in the site's `duplicates.json`, in the same shape as `corpus/duplicates.json`.
A finished site carries a marker file (written last), so asking again for it reuses it.
"""
from __future__ import annotations

import argparse
import functools
import html
import itertools
import json
import re
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indexer.duplicates import jaccard, shingles
from indexer.parse import _FURNITURE_HINT, parse_file, slugify

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
# Bump when the output for the same arguments changes, so cached sites are not reused.
GENERATOR_VERSION = 2
MARKER = ".complete"
EXACT_SHARE = 0.03
NEAR_SHARE = 0.02
HELPLINE_SHARE = 0.10
OLD_TEMPLATE_SHARE = 0.05
WRAPPED_SHARE = 0.4
NO_ID_SHARE = 0.1
REAL_SENTENCE_SHARE = 0.35
MADE_UP_WORDS = 15000
ZIPF_EXPONENT = 1.2
SITE = "Lantern Cancer Care"
BASE_URL = "https://www.lanterncancercare.org.uk/about-cancer"

TOPICS = (
    "Neuroendocrine cancer", "Bowel cancer", "Breast cancer", "Lung cancer", "Prostate cancer",
    "Pancreatic cancer", "Stomach cancer", "Cancer information", "Kidney cancer", "Bladder cancer",
    "Ovarian cancer", "Womb cancer", "Cervical cancer", "Skin cancer", "Melanoma", "Brain tumours",
    "Liver cancer", "Oesophageal cancer", "Head and neck cancer", "Thyroid cancer", "Leukaemia",
    "Lymphoma", "Myeloma", "Bone cancer", "Testicular cancer", "Sarcoma",
)
ASPECTS = (
    "About {t}", "Symptoms of {t}", "Causes and risks of {t}", "Tests for {t}", "Stages of {t}",
    "Treatment for {t}", "Surgery for {t}", "Chemotherapy for {t}", "Radiotherapy for {t}",
    "Side effects of treatment for {t}", "Survival and outlook for {t}", "Living with {t}",
    "Diet and {t}", "Questions to ask about {t}", "Clinical trials for {t}", "Coping with {t}",
    "Advanced {t}", "{T}: getting support", "Caring for someone with {t}", "{T} in younger people",
)
LIST_LEADS = ("These include:", "This may include:", "You may have:", "Common signs are:",
              "Your team may suggest:", "Things that can help include:")
SYLLABLES = ("ab", "al", "an", "ar", "bo", "ca", "de", "di", "en", "er", "fa", "go", "he", "in",
             "ka", "la", "lo", "ma", "me", "mi", "na", "ne", "no", "or", "pa", "ra", "re", "ri",
             "sa", "se", "so", "ta", "te", "ti", "to", "tu", "ul", "un", "va", "ve", "vi", "ze")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")
HELPLINE = ("Our cancer support specialists can help with any questions about cancer, treatment, "
            "money or work. You can call our free helpline on 0808 196 4410, Monday to Friday, "
            "from 9am to 5pm. If you would rather write, email helpline@lanterncancercare.org.uk or "
            "start a chat on our website. We can also put you in touch with local support groups "
            "and with people who have had the same type of cancer. Whatever you want to talk "
            "about, we are here to listen.")


# ---------------------------------------------------------------- material from the corpus

@dataclass
class Material:
    """What the generator draws from: real sentences and headings, and a Zipf-weighted vocabulary."""

    sentences: list[str]
    headings: list[str]
    words: list[str]
    cum_weights: list[float]


@functools.lru_cache(maxsize=2)
def harvest(corpus: Path) -> Material:
    """Read the sample corpus with the project's parser; keep its sentences, headings and words.
    The made-up words use a fixed seed: the vocabulary is the same for every site."""
    sentences: list[str] = []
    headings: list[str] = []
    counts: Counter[str] = Counter()
    for path in sorted(corpus.rglob("*.html")):
        for section in parse_file(path, corpus).sections:
            if section.level > 1:
                headings.append(section.heading)
            for line in section.text.split("\n"):
                if "|" not in line:
                    sentences += [s for s in _SENTENCE_END.split(line)
                                  if 5 <= len(s.split()) <= 40 and s[-1] in ".!?"]
                counts.update(_vocab_form(w) for w in _TOKEN.findall(line))
    real = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    words = _with_made_up_words(real, Random(0))
    weights = itertools.accumulate((rank + 2.7) ** -ZIPF_EXPONENT for rank in range(len(words)))
    return Material(sorted(set(sentences)), sorted(set(headings)), words, list(weights))


def _vocab_form(word: str) -> str:
    """Acronyms (NET, PRRT) keep their capitals; other words are lower-cased."""
    return word if word.isupper() else word.lower()


def _with_made_up_words(real: list[str], rng: Random) -> list[str]:
    """The corpus's words by frequency, then made-up words as the long tail a big site has
    (drug names, places, rarer terms); with ZIPF_EXPONENT they are ~8% of generated words."""
    known = set(real)
    made_up: list[str] = []
    while len(made_up) < MADE_UP_WORDS:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 5)))
        if word not in known:
            known.add(word)
            made_up.append(word)
    return real + made_up


# ---------------------------------------------------------------- pages as data

@dataclass
class SectionSpec:
    """One h2 or h3 section: heading, anchor, how its id is written, and its body blocks."""

    heading: str
    anchor: str
    level: int
    id_mode: str  # "heading" (id on the heading), "section" (id on <section> only), "none"
    blocks: list[tuple] = field(default_factory=list)

    def words(self) -> int:
        """How many words the body has (what the duplicate finder counts)."""
        return len(body_text(self.blocks).split())


@dataclass
class PageSpec:
    """One page: where it lives, its titles and dates, its template and sections."""

    path: str
    topic: str
    title: str
    lead: str
    reviewed: tuple[int, int, int]
    old_template: bool
    wrapped: bool
    sections: list[SectionSpec] = field(default_factory=list)


def body_text(blocks: list[tuple]) -> str:
    """Plain text of a section's blocks, words in reading order."""
    parts: list[str] = []
    for block in blocks:
        kind, content = block[0], block[1]
        if kind == "p":
            parts.append(content)
        elif kind == "ul":
            parts += [f"{lead} {rest}" for lead, rest in content]
        else:  # table: caption, rows
            parts += [block[1]] + [" ".join(row) for row in block[2]]
    return " ".join(p for p in parts if p)


class WordStream:
    """Zipf-weighted words drawn in large numpy batches (drawing one at a time is the slow part)."""

    def __init__(self, material: Material, seed: int, batch: int = 1 << 16) -> None:
        self.words = np.array(material.words, dtype=object)
        self.cum = np.array(material.cum_weights)
        self.gen = np.random.Generator(np.random.PCG64(seed))
        self.batch, self.buffer, self.at = batch, np.empty(0, dtype=np.int64), 0

    def take(self, k: int) -> list[str]:
        """The next `k` words."""
        if self.at + k > len(self.buffer):
            fresh = np.searchsorted(self.cum, self.gen.random(self.batch) * self.cum[-1], side="right")
            self.buffer, self.at = np.concatenate([self.buffer[self.at:], fresh]), 0
        picked = self.buffer[self.at:self.at + k]
        self.at += k
        return self.words[picked].tolist()


class Writer:
    """Makes sentences, paragraphs, lists and tables from the harvested material."""

    def __init__(self, material: Material, rng: Random) -> None:
        self.m, self.rng = material, rng
        self.stream = WordStream(material, rng.getrandbits(64))

    def sentence(self) -> str:
        """A real corpus sentence, or one of made-up order from the Zipf vocabulary."""
        rng = self.rng
        if rng.random() < REAL_SENTENCE_SHARE:
            return rng.choice(self.m.sentences)
        words = self.stream.take(rng.randint(6, 22))
        if len(words) > 10 and rng.random() < 0.4:
            words[rng.randint(3, len(words) - 4)] += ","
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def paragraph(self, words: int) -> str:
        """Sentences until about `words` words."""
        out, count = [], 0
        while count < words:
            sentence = self.sentence()
            out.append(sentence)
            count += len(sentence.split())
        return " ".join(out)

    def phrase(self, low: int, high: int) -> str:
        """A few Zipf words, for list items and table cells."""
        return " ".join(self.stream.take(self.rng.randint(low, high)))

    def blocks(self, words: int) -> list[tuple]:
        """A section body of about `words` words: paragraphs, sometimes a list or a table."""
        rng, blocks, left = self.rng, [], words
        while left > 0:
            roll = rng.random()
            if roll < 0.2 and left > 30:
                items = [((self.phrase(1, 3) if rng.random() < 0.3 else ""), self.phrase(3, 14))
                         for _ in range(rng.randint(3, 6))]
                new = [("p", rng.choice(LIST_LEADS)), ("ul", items)]
            elif roll < 0.26 and left > 40:
                caption = self.phrase(2, 5).capitalize() if rng.random() < 0.5 else ""
                rows = [[self.phrase(1, 3), self.phrase(2, 6), self.phrase(1, 4)]
                        for _ in range(rng.randint(2, 5))]
                new = [("table", caption, rows)]
            else:
                new = [("p", self.paragraph(min(left, rng.randint(30, 90))))]
            blocks += new
            left -= len(body_text(new).split())
        return blocks

    def section_words(self) -> int:
        """Section length: mostly 40-250 words, one in ten short."""
        rng = self.rng
        return rng.randint(12, 35) if rng.random() < 0.1 else int(min(250, 40 + rng.expovariate(1 / 70)))

    def heading(self) -> str:
        """A real heading from the corpus, or a made-up one in the same style."""
        rng = self.rng
        if rng.random() < 0.6:
            return rng.choice(self.m.headings)
        return self.phrase(2, 5).capitalize()


def plan_pages(pages: int, material: Material, rng: Random) -> list[PageSpec]:
    """Every page's topic, title, template and sections (no planted copies yet)."""
    writer = Writer(material, rng)
    topic_weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(TOPICS))))
    used_paths: set[str] = set()
    specs = []
    for _ in range(pages):
        topic = rng.choices(TOPICS, cum_weights=topic_weights)[0]
        title = _title(topic, writer)
        path = _unique_path(f"{slugify(topic)}/{slugify(title)}.html", used_paths)
        old = rng.random() < OLD_TEMPLATE_SHARE
        spec = PageSpec(path=path, topic=topic, title=title, lead=writer.paragraph(rng.randint(25, 60)),
                        reviewed=(rng.randint(2022, 2025), rng.randint(1, 12), rng.randint(1, 28)),
                        old_template=old, wrapped=not old and rng.random() < WRAPPED_SHARE)
        spec.sections = _plan_sections(spec, writer)
        specs.append(spec)
    return specs


def _title(topic: str, writer: Writer) -> str:
    rng = writer.rng
    roll = rng.random()
    if roll < 0.6:
        return rng.choice(ASPECTS).format(t=topic.lower(), T=topic)
    if roll < 0.85:
        return f"{writer.heading()} ({topic.lower()})"
    return writer.phrase(2, 4).capitalize()


def _unique_path(path: str, used: set[str]) -> str:
    candidate, n = path, 2
    while candidate in used:
        candidate, n = path.replace(".html", f"-{n}.html"), n + 1
    used.add(candidate)
    return candidate


def _plan_sections(page: PageSpec, writer: Writer) -> list[SectionSpec]:
    """Intro plus 5-9 sections, a quarter of them h3 under the h2 before; ~8 with the intro."""
    rng = writer.rng
    # The parser names the introduction after the content root's id, or "top".
    used = {"top", "main-content"}
    sections: list[SectionSpec] = []
    for index in range(rng.randint(5, 9)):
        level = 3 if index and rng.random() < 0.25 else 2
        heading = writer.heading()
        # An id with a furniture word in it ("sharing-...", "related-...") makes today's parser
        # drop the heading as boilerplate; keep the planted keys findable (reported to the lead).
        while _FURNITURE_HINT.search(f"sec-{slugify(heading)}"):
            heading = writer.heading()
        slug = slugify(heading)
        mode = "heading"
        if slug not in used and rng.random() < NO_ID_SHARE:
            mode = "none"
        elif page.wrapped and level == 2 and rng.random() < 0.4:
            mode = "section"
        anchor = slug if mode == "none" else _unique_anchor(slug, used)
        used.add(anchor)
        sections.append(SectionSpec(heading, anchor, level, mode, writer.blocks(writer.section_words())))
    if rng.random() < HELPLINE_SHARE and "support" not in used:
        sections.append(SectionSpec("Getting support", "support", 2, "heading", [("p", HELPLINE)]))
    return sections


def _unique_anchor(slug: str, used: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in used:
        candidate, n = f"{slug}-{n}", n + 1
    return candidate


# ---------------------------------------------------------------- planted copies

def plant_duplicates(specs: list[PageSpec], rng: Random, writer: Writer) -> dict:
    """Overwrite a share of sections with exact and near copies of others; return the manifest."""
    slots = [(p, s) for p, page in enumerate(specs) for s, section in enumerate(page.sections)
             if section.anchor != "support"]
    rng.shuffle(slots)
    total = len(slots)
    taken: set[tuple[int, int]] = set()
    manifest: dict = {"exact": [], "near": [], "distinct": []}
    pool = iter(slots)
    exact_targets = int(total * EXACT_SHARE)
    while exact_targets > 0:
        source = _next_free(pool, specs, taken, min_words=30)
        if source is None:
            break
        group = [source]
        for _ in range(min(exact_targets, rng.choice((1, 1, 1, 2, 3)))):
            target = _next_free(pool, specs, taken, min_words=0, other_page=source[0])
            if target is None:
                break
            _copy_into(specs, source, target, rng.random() < 0.5)
            group.append(target)
            exact_targets -= 1
        manifest["exact"].append({"passage": f"copy-{len(manifest['exact']) + 1}",
                                  "sections": sorted(_key(specs, slot) for slot in group)})
    for _ in range(int(total * NEAR_SHARE)):
        source = _next_free(pool, specs, taken, min_words=70)
        target = _next_free(pool, specs, taken, min_words=0, other_page=source[0] if source else -1)
        if source is None or target is None:
            break
        manifest["near"].append(_near_copy(specs, source, target, writer))
    if any(s.anchor == "support" for page in specs for s in page.sections):
        manifest["exact"].append({"passage": "helpline", "sections": sorted(
            f"{page.path}#support" for page in specs for s in page.sections if s.anchor == "support")})
    return manifest


def _next_free(pool, specs: list[PageSpec], taken: set, min_words: int,
               other_page: int = -1) -> tuple[int, int] | None:
    for slot in pool:
        if slot in taken or slot[0] == other_page:
            continue
        if specs[slot[0]].sections[slot[1]].words() >= min_words:
            taken.add(slot)
            return slot
    return None


def _key(specs: list[PageSpec], slot: tuple[int, int]) -> str:
    page = specs[slot[0]]
    return f"{page.path}#{page.sections[slot[1]].anchor}"


def _copy_into(specs: list[PageSpec], source: tuple[int, int], target: tuple[int, int],
               same_heading: bool) -> None:
    src = specs[source[0]].sections[source[1]]
    dst = specs[target[0]].sections[target[1]]
    dst.blocks = [tuple(b) for b in src.blocks]
    if same_heading and dst.id_mode != "none":
        dst.heading = src.heading


def _near_copy(specs: list[PageSpec], source: tuple[int, int], target: tuple[int, int],
               writer: Writer) -> dict:
    """A copy edited apart: a sentence added, a few words changed, or paragraphs reordered."""
    rng = writer.rng
    src = specs[source[0]].sections[source[1]]
    original = shingles(body_text(src.blocks))
    for _ in range(5):
        change, blocks = _edit(src.blocks, writer)
        similarity = jaccard(original, shingles(body_text(blocks)))
        if 0.85 <= similarity < 1.0:
            break
    else:  # edits too big for this section: keep the plain copy, still a (trivially) near pair
        change, blocks, similarity = "copied unchanged", [tuple(b) for b in src.blocks], 1.0
    dst = specs[target[0]].sections[target[1]]
    dst.blocks = blocks
    if rng.random() < 0.5 and dst.id_mode != "none":
        dst.heading = src.heading
    return {"passage": f"near-{source[0]}-{source[1]}", "change": change,
            "similarity": round(similarity, 3),
            "sections": sorted([_key(specs, source), _key(specs, target)])}


def _edit(blocks: list[tuple], writer: Writer) -> tuple[str, list[tuple]]:
    rng = writer.rng
    blocks = [tuple(b) for b in blocks]
    paragraphs = [i for i, b in enumerate(blocks) if b[0] == "p" and len(b[1].split()) > 12]
    roll = rng.random()
    if roll < 0.4 or not paragraphs:
        blocks.append(("p", writer.sentence()))
        return "one sentence added", blocks
    if roll < 0.8:
        index = rng.choice(paragraphs)
        words = blocks[index][1].split()
        for position in rng.sample(range(1, len(words) - 1), 2):
            words[position] = rng.choice(writer.m.words[:500])
        blocks[index] = ("p", " ".join(words))
        return "two words changed", blocks
    if len(blocks) > 1:
        blocks[0], blocks[-1] = blocks[-1], blocks[0]
        return "paragraphs reordered", blocks
    blocks.append(("p", writer.sentence()))
    return "one sentence added", blocks


# ---------------------------------------------------------------- HTML

def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _date(d: tuple[int, int, int]) -> str:
    return f"{d[2]} {MONTHS[d[1] - 1]} {d[0]}"


def render_page(page: PageSpec) -> str:
    """The whole HTML document, in the sample site's new or old template."""
    topic_slug = slugify(page.topic)
    slug = page.path.split("/", 1)[1].removesuffix(".html")
    iso = f"{page.reviewed[0]}-{page.reviewed[1]:02d}-{page.reviewed[2]:02d}"
    head = HEAD.format(title=_e(page.title), topic=_e(page.topic), url=f"{BASE_URL}/{topic_slug}/{slug}",
                       description=_e(page.lead.split(". ")[0].rstrip(".") + "."),
                       json_title=json.dumps(page.title), json_topic=json.dumps(page.topic), iso=iso)
    body = (_old_body if page.old_template else _new_body)(page, topic_slug)
    return head + body + TAIL


def _new_body(page: PageSpec, topic_slug: str) -> str:
    h2s = [s for s in page.sections if s.level == 2]
    toc = "\n".join(f'      <li><a href="#{s.anchor}">{_e(s.heading)}</a></li>' for s in h2s)
    parts = [NEW_TOP.format(topic=_e(page.topic), topic_slug=topic_slug, title=_e(page.title)),
             f'  <p class="lead">{_e(page.lead)}</p>\n',
             ON_THIS_PAGE.format(items=toc)]
    parts += _sections_html(page.sections, page.wrapped)
    label = "Page last reviewed" if page.reviewed[2] % 2 else "Last reviewed"
    parts.append(NEW_BOTTOM.format(label=label, reviewed=_date(page.reviewed),
                                   due=f"{MONTHS[page.reviewed[1] - 1]} {page.reviewed[0] + 3}",
                                   topic_slug=topic_slug, topic=_e(page.topic)))
    return "".join(parts)


def _old_body(page: PageSpec, topic_slug: str) -> str:
    parts = [OLD_TOP.format(topic=_e(page.topic), topic_slug=topic_slug, title=_e(page.title)),
             f"<p>{_e(page.lead)}</p>\n"]
    parts += _sections_html(page.sections, wrapped=False)
    parts.append(OLD_BOTTOM.format(reviewed=_date(page.reviewed),
                                   due=f"{MONTHS[page.reviewed[1] - 1]} {page.reviewed[0] + 3}"))
    return "".join(parts)


def _sections_html(sections: list[SectionSpec], wrapped: bool) -> list[str]:
    """Flat headings, or each h2 with its h3s wrapped in a <section>."""
    out: list[str] = []
    open_section = False
    for section in sections:
        if wrapped and section.level == 2:
            if open_section:
                out.append("  </section>\n")
            wrapper_id = section.anchor if section.id_mode == "section" else f"sec-{section.anchor}"
            out.append(f'\n  <section id="{wrapper_id}">\n' if section.id_mode != "none"
                       else "\n  <section>\n")
            open_section = True
        elif not wrapped:
            out.append("\n")
        tag = f"h{section.level}"
        id_attr = f' id="{section.anchor}"' if section.id_mode == "heading" else ""
        out.append(f"  <{tag}{id_attr}>{_e(section.heading)}</{tag}>\n")
        out += [_block_html(block) for block in section.blocks]
    if open_section:
        out.append("  </section>\n")
    return out


def _block_html(block: tuple) -> str:
    if block[0] == "p":
        return f"  <p>{_e(block[1])}</p>\n"
    if block[0] == "ul":
        items = "".join(f"    <li><strong>{_e(lead)}</strong> {_e(rest)}</li>\n" if lead
                        else f"    <li>{_e(rest)}</li>\n" for lead, rest in block[1])
        return f"  <ul>\n{items}  </ul>\n"
    caption = f"    <caption>{_e(block[1])}</caption>\n" if block[1] else ""
    head, *rows = block[2]
    header = "".join(f"<th>{_e(c)}</th>" for c in head)
    body = "".join("      <tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>\n" for row in rows)
    return (f"  <table>\n{caption}    <thead><tr>{header}</tr></thead>\n"
            f"    <tbody>\n{body}    </tbody>\n  </table>\n")


HEAD = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | {topic} | Lantern Cancer Care</title>
<meta name="description" content="{description}">
<link rel="canonical" href="{url}">
<link rel="stylesheet" href="/static/site.css">
<style>.visually-hidden{{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}} .cookie-banner{{background:#222;color:#fff}}</style>
<script async src="https://stats.lanterncancercare.org.uk/tag.js?id=LCC-4471"></script>
<script>window.dataLayer=window.dataLayer||[];function track(){{dataLayer.push(arguments)}}track('page_view',{{section:'about-cancer'}});</script>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"MedicalWebPage","name":{json_title},"about":{{"@type":"MedicalCondition","name":{json_topic}}},"lastReviewed":"{iso}","publisher":{{"@type":"Organization","name":"Lantern Cancer Care"}}}}</script>
</head>
<body>
<div class="cookie-banner" id="cookie-banner" role="region" aria-label="Cookie consent">
  <h2>We use cookies on this website</h2>
  <p>Some cookies are needed for the site to work. We would also like to set analytics cookies to understand how you use the site. <a href="/cookies">Read our cookie policy</a>.</p>
  <button type="button">Accept all cookies</button> <button type="button">Reject optional cookies</button>
</div>
"""  # noqa: E501 (the sample site's own markup, line for line)
NEW_TOP = """<a class="skip-link" href="#main-content">Skip to main content</a>
<header class="site-header">
  <a class="logo" href="/"><img src="/static/logo.svg" alt="Lantern Cancer Care home"></a>
  <form class="site-search" action="/search" method="get" role="search">
    <label for="site-q" class="visually-hidden">Search the site</label>
    <input id="site-q" name="q" type="search" placeholder="Search">
    <button type="submit">Search</button>
  </form>
  <nav class="main-nav" aria-label="Main menu">
    <h2 class="visually-hidden">Main menu</h2>
    <ul>
      <li><a href="/about-cancer">About cancer</a></li>
      <li><a href="/support">Get support</a></li>
      <li><a href="/get-involved">Get involved</a></li>
      <li><a href="/research">Our research</a></li>
      <li><a href="/donate">Donate</a></li>
    </ul>
  </nav>
</header>
<nav class="breadcrumb" aria-label="Breadcrumb">
  <ol>
    <li><a href="/">Home</a></li>
    <li><a href="/about-cancer">About cancer</a></li>
    <li><a href="/about-cancer/{topic_slug}">{topic}</a></li>
    <li aria-current="page">{title}</li>
  </ol>
</nav>
<main id="main-content">
  <h1>{title}</h1>
"""
ON_THIS_PAGE = """  <nav class="on-this-page" aria-labelledby="otp-heading">
    <h2 id="otp-heading">On this page</h2>
    <ul>
{items}
    </ul>
  </nav>
"""
NEW_BOTTOM = """
  <div class="page-dates">
    <p>{label}: {reviewed}</p>
    <p>Next review due: {due}</p>
  </div>
  <aside class="related-links" aria-labelledby="related-heading">
    <h2 id="related-heading">Related pages</h2>
    <ul>
      <li><a href="/about-cancer/{topic_slug}">{topic}</a></li>
      <li><a href="/about-cancer/cancer-information/coping-with-cancer">Coping with cancer</a></li>
    </ul>
  </aside>
  <div class="feedback-widget">
    <h2>Was this page helpful?</h2>
    <button type="button">Yes</button> <button type="button">No</button>
  </div>
</main>
<footer class="site-footer">
  <h2 class="visually-hidden">Site information</h2>
  <div class="footer-col">
    <h3>Contact us</h3>
    <p>Lantern Cancer Care, 12 Harbour Street, Bristol BS1 4QA. Helpline 0808 196 4410.</p>
  </div>
  <div class="footer-col">
    <h3>About us</h3>
    <ul><li><a href="/about-us">Who we are</a></li><li><a href="/privacy">Privacy</a></li><li><a href="/accessibility">Accessibility</a></li></ul>
  </div>
  <p class="legal">Lantern Cancer Care is a registered charity in England and Wales (1190442). &copy; 2025</p>
</footer>
"""  # noqa: E501 (the sample site's own markup, line for line)
OLD_TOP = """<div id="header">
  <a href="/"><img src="/static/logo.svg" alt="Lantern Cancer Care home"></a>
  <form action="/search" method="get">
    <input name="q" type="text" value="" title="Search the site">
    <input type="submit" value="Search">
  </form>
  <ul class="menu">
    <li><a href="/about-cancer">About cancer</a></li>
    <li><a href="/support">Get support</a></li>
    <li><a href="/donate">Donate</a></li>
  </ul>
</div>
<p class="crumbs"><a href="/">Home</a> &gt; <a href="/about-cancer">About cancer</a> &gt; <a href="/about-cancer/{topic_slug}">{topic}</a> &gt; {title}</p>
<table class="layout">
<tr>
<td class="sidebar">
  <p><b>{topic}</b></p>
  <ul>
    <li><a href="/about-cancer/{topic_slug}">{topic}</a></li>
    <li><a href="/about-cancer/cancer-information/tests-and-scans">Tests and scans</a></li>
  </ul>
  <p><a href="/support">Talk to us</a></p>
</td>
<td class="content">
<h1>{title}</h1>
"""  # noqa: E501 (the sample site's own markup, line for line)
OLD_BOTTOM = """
<p class="dates">Last reviewed: {reviewed}<br>Next review due: {due}</p>
</td>
</tr>
</table>
<div id="footer">
  <h3>Contact us</h3>
  <p>Lantern Cancer Care, 12 Harbour Street, Bristol BS1 4QA. Helpline 0808 196 4410.</p>
  <h3>About us</h3>
  <ul><li><a href="/about-us">Who we are</a></li><li><a href="/privacy">Privacy</a></li><li><a href="/accessibility">Accessibility</a></li></ul>
  <p class="legal">Lantern Cancer Care is a registered charity in England and Wales (1190442). &copy; 2025</p>
</div>
"""  # noqa: E501 (the sample site's own markup, line for line)
TAIL = """<script src="/static/site.js"></script>
</body>
</html>
"""


# ---------------------------------------------------------------- the site on disk

def default_out(pages: int, seed: int) -> Path:
    """Where a site for these arguments is cached: var/sites/pages-N-seed-S (git-ignored)."""
    return ROOT / "var" / "sites" / f"pages-{pages}-seed-{seed}"


def _marker_text(pages: int, seed: int) -> str:
    return json.dumps({"pages": pages, "seed": seed, "generator": GENERATOR_VERSION}, sort_keys=True)


def is_complete(out: Path, pages: int, seed: int) -> bool:
    """True when `out` holds a finished site made for exactly these arguments."""
    marker = out / MARKER
    return marker.is_file() and marker.read_text(encoding="utf-8") == _marker_text(pages, seed)


def make_site(pages: int, seed: int, out: Path | None = None, corpus: Path = CORPUS) -> Path:
    """Generate the site (or reuse a finished one) and return its folder."""
    if pages < 1:
        raise ValueError("pages must be at least 1")
    out = Path(out) if out is not None else default_out(pages, seed)
    if is_complete(out, pages, seed):
        return out
    _clear(out)
    rng = Random(seed)
    material = harvest(Path(corpus))
    specs = plan_pages(pages, material, rng)
    manifest = plant_duplicates(specs, rng, Writer(material, rng))
    out.mkdir(parents=True, exist_ok=True)
    for folder in sorted({spec.path.split("/")[0] for spec in specs}):
        (out / folder).mkdir(exist_ok=True)
    for spec in specs:
        (out / spec.path).write_bytes(render_page(spec).encode("utf-8"))
    shutil.copyfile(corpus / "synonyms.txt", out / "synonyms.txt")
    manifest["description"] = (f"Repetition planted by bench/make_site.py --pages {pages} --seed {seed}: "
                               "exact copies, near copies (with the change made) and the helpline "
                               "passage. Sections are path#anchor as the indexer reports them.")
    (out / "duplicates.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    (out / "site.json").write_text(json.dumps(_summary(specs, manifest, pages, seed), indent=1) + "\n",
                                   encoding="utf-8")
    (out / MARKER).write_text(_marker_text(pages, seed), encoding="utf-8")  # last: the site is whole
    return out


def _clear(out: Path) -> None:
    """Remove a half-written site; refuse to delete a folder this script did not make."""
    if not out.exists():
        return
    if any(out.iterdir()) and not (out / "site.json").exists() and not (out / MARKER).exists():
        raise SystemExit(f"{out} exists and is not a generated site; choose another --out")
    shutil.rmtree(out)


def _summary(specs: list[PageSpec], manifest: dict, pages: int, seed: int) -> dict:
    sections = sum(len(spec.sections) + 1 for spec in specs)  # +1: the introduction
    return {"pages": pages, "seed": seed, "generator": GENERATOR_VERSION, "sections": sections,
            "topics": dict(sorted(Counter(spec.topic for spec in specs).items())),
            "old_template_pages": sum(spec.old_template for spec in specs),
            "wrapped_pages": sum(spec.wrapped for spec in specs),
            "exact_groups": len(manifest["exact"]), "near_pairs": len(manifest["near"])}


def main(argv: list[str] | None = None) -> int:
    """Command line: --pages N --seed S [--out DIR]."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None,
                        help="folder to write (default var/sites/pages-N-seed-S)")
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    out = args.out or default_out(args.pages, args.seed)
    reused = is_complete(out, args.pages, args.seed)
    started = time.perf_counter()
    make_site(args.pages, args.seed, out)
    summary = json.loads((out / "site.json").read_text(encoding="utf-8"))
    print(f"{'reused' if reused else 'generated'} {out} in {time.perf_counter() - started:.1f}s: "
          f"{summary['pages']} pages, ~{summary['sections']} sections, "
          f"{summary['exact_groups']} exact groups, {summary['near_pairs']} near pairs planted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
