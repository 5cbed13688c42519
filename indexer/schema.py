"""The Whoosh schema: one document per section, its analyzers, field boosts and SCHEMA_VERSION."""
from __future__ import annotations

from collections.abc import Sequence

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import Index

from indexer.analysis import ACRONYM_ANALYZER, ACRONYM_WORD, SPELLING_ANALYZER, SPELLING_WORD, TEXT_ANALYZER
from indexer.kinds import section_kind
from indexer.model import PageMeta, Section

# Bump when fields or analysis change: an index of another version must be rebuilt with --full.
SCHEMA_VERSION = 5

# Query-time weights of the searchable fields (applied by the search service, so tuning them
# needs no rebuild). A word in a heading says more about a section than the same word in prose.
FIELD_BOOSTS: dict[str, float] = {
    "heading": 1.0,
    "title": 1.5,
    "parents": 1.0,
    "body": 1.0,
    "context": 0.4,
}
SEARCH_FIELDS = tuple(FIELD_BOOSTS)


def build_schema() -> Schema:
    """The schema: searchable text fields share TEXT_ANALYZER; display fields are stored."""
    return Schema(
        key=ID(unique=True, stored=True),
        path=ID(stored=True),
        anchor=STORED(),
        url=STORED(),
        title=TEXT(analyzer=TEXT_ANALYZER, stored=True),
        heading=TEXT(analyzer=TEXT_ANALYZER, stored=True),
        parents=TEXT(analyzer=TEXT_ANALYZER),
        body=TEXT(analyzer=TEXT_ANALYZER, stored=True),
        context=TEXT(analyzer=TEXT_ANALYZER),
        acronyms=TEXT(analyzer=ACRONYM_ANALYZER, phrase=False),
        spelling=TEXT(analyzer=SPELLING_ANALYZER, phrase=False),
        topic=ID(stored=True),
        kind=KEYWORD(stored=True),
        # stored only: never searched, and a numeric field costs eight postings a value
        level=STORED(),
        position=STORED(),
        content_hash=STORED(),
        page=STORED(),
        heading_path=STORED(),
        display_heading=STORED(),
    )


def documents_for(sections: Sequence[Section]) -> list[dict]:
    """The Whoosh documents of one page's sections. The page's spelling vocabulary goes with its
    first section only: suggestions need to know a word is on the site, not how often, and a page
    is always indexed and deleted whole (it was 40% of all postings when every section had it)."""
    documents = [document_for(section) for section in sections]
    if documents:
        page = sections[0].page
        texts = (page.title, *(f"{s.heading} {s.text}" for s in sections))
        documents[0]["spelling"] = " ".join(dict.fromkeys(w for t in texts for w in SPELLING_WORD.findall(t)))
    return documents


def document_for(section: Section) -> dict:
    """The Whoosh document of one section (without the page's spelling words: documents_for)."""
    page = section.page
    parents = section.heading_path[1:-1]
    return {
        "key": section.key,
        "path": page.path,
        "anchor": section.anchor,
        "url": page.url,
        "title": " ".join(dict.fromkeys(t for t in (page.title, page.h1) if t)),
        # an introduction's heading is the h1, already in "title": counting it twice favoured intros
        "heading": section.heading if section.level > 1 else "",
        "parents": " ".join(parents),
        "body": section.text,
        "context": " ".join((page.topic, page.description, " ".join(page.breadcrumb))),
        # picking the acronyms out with one regular expression spares the analyzer every other
        # word; each is kept as often as it is written (the finding query scores by this field)
        "acronyms": " ".join(ACRONYM_WORD.findall(f"{section.heading} {section.text}")),
        "topic": page.topic,
        "kind": section_kind(section.heading, parents[-1] if parents else "", section.level),
        "level": section.level,
        "position": section.position,
        "content_hash": section.content_hash,
        "display_heading": section.heading,
        "page": {
            "title": page.title, "h1": page.h1, "description": page.description,
            "breadcrumb": list(page.breadcrumb), "topic": page.topic,
            "last_reviewed": page.last_reviewed, "next_review_due": page.next_review_due,
        },
        "heading_path": list(section.heading_path),
    }


def indexed_sections(index: Index) -> list[Section]:
    """Every section held by an index, rebuilt from its stored fields."""
    with index.searcher() as searcher:
        return [section_from_document(fields) for fields in searcher.all_stored_fields()]


def section_from_document(fields: dict) -> Section:
    """Rebuild a Section from a stored document (the inverse of document_for)."""
    page = fields["page"]
    meta = PageMeta(path=fields["path"], url=fields["url"], title=page["title"], h1=page["h1"],
                    description=page["description"], breadcrumb=tuple(page["breadcrumb"]),
                    topic=page["topic"], last_reviewed=page["last_reviewed"],
                    next_review_due=page["next_review_due"])
    return Section(page=meta, anchor=fields["anchor"], heading=fields["display_heading"],
                   heading_path=tuple(fields["heading_path"]), level=fields["level"],
                   position=fields["position"], text=fields["body"])
