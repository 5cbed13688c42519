"""Acronyms the site defines itself: "long form (ACRONYM)", "ACRONYM (long form)" and "long form,
or ACRONYM" in its text.

A pair is only taken when the long form spells the acronym, so a bracket that merely explains
or aside ("a scan (CT)", "Sandostatin LAR (octreotide)") gives nothing. The rule, after the
classic abbreviation finders (Schwartz and Hearst, 2003) but stricter about where letters come
from:

- the long form is a run of whole words ending right at the bracket (or the whole bracket, for
  "ACRONYM (long form)"), inside one clause, starting with a word that gives the acronym's first
  letter;
- every word gives its initial, in order; a word may also give further letters found in order
  inside it, because compound words carry several: neuroendocrine -> N E, chromogranin -> C g,
  radiofrequency -> R F, nonsteroidal -> N S;
- small joining words (of, and, the, in, to, ...) may give their initial or nothing: "Ductal
  carcinoma in situ (DCIS)" keeps "in", "Dietary Approaches to Stop Hypertension (DASH)" drops
  "to"; so may "type", whose number the acronym keeps ("Multiple endocrine neoplasia type 1
  (MEN1)");
- hyphens split words ("Von Hippel-Lindau (VHL)", "Non-small cell lung cancer (NSCLC)"); a
  plural "s" on the acronym is dropped ("proton pump inhibitors (PPIs)" -> PPI).

When several runs of words before the bracket spell the acronym, the one that takes the fewest
letters from inside words wins ("proton pump inhibitors (PPIs)", not "pump inhibitors" with the
second P from inside "pump"); among those, the shortest, so the long form does not swallow the
words before it. Pronunciation guides in brackets ("platelets (PLATE-lets)") are not acronyms.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.model import Section

ACRONYMS_FILE = "acronyms.json"

# Words that may be skipped inside a long form. "type" is here because "type 1" style qualifiers
# keep their number in the acronym but not the word (MEN1, NF1).
JOINING_WORDS = frozenset({"a", "an", "and", "by", "for", "from", "in", "of", "on", "or", "the", "to",
                           "with", "type"})
# A bracket longer than this is prose, not a definition.
MAX_BRACKET = 80
# Words of a long form beyond the acronym's letters (joining words that give no letter).
SPARE_WORDS = 4

_BRACKET = re.compile(rf"\(([^()]{{1,{MAX_BRACKET}}})\)")
# "long form, or ACRONYM": the other way sites name an acronym ("somatostatin analogues, or SSAs")
_OR_ACRONYM = re.compile(r",\s+or\s+([^\W_][\w-]*)(?![\w-])")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_CLAUSE_END = re.compile(r"[.;:!?,()\[\]\n]")
_ACRONYM = re.compile(r"[^\W_][^\W_-]*(?:-[^\W_]+)*")
# Three small letters in a row make a word or a pronunciation guide ("PLATE-lets"), not an
# acronym; real ones have at most two (MiNEN, chILD, rhGH).
_WORDLIKE = re.compile(r"[a-z]{3}")


@dataclass(frozen=True)
class Definition:
    """One acronym and the long form the text gives for it."""

    acronym: str
    long_form: str


def find_definitions(text: str) -> list[Definition]:
    """Every acronym definition in `text`, in order of appearance."""
    found = []
    for bracket in _BRACKET.finditer(text):
        inner = bracket.group(1).strip()
        definition = (_long_form_before(text[:bracket.start()], inner)
                      or _long_form_inside(text[:bracket.start()], inner))
        if definition:
            found.append((bracket.start(), definition))
    for alternative in _OR_ACRONYM.finditer(text):
        definition = _long_form_before(text[:alternative.start()], alternative.group(1))
        if definition:
            found.append((alternative.start(), definition))
    return [definition for _, definition in sorted(found, key=lambda item: item[0])]


def page_definitions(sections: Iterable[Section]) -> list[Definition]:
    """The distinct definitions in a page's headings and section texts, in order of appearance."""
    seen: dict[Definition, None] = {}
    for section in sections:
        for definition in (*find_definitions(section.heading), *find_definitions(section.text)):
            seen.setdefault(definition, None)
    return list(seen)


def site_acronyms(pages: Iterable[Iterable[Definition]]) -> list[dict]:
    """The site's acronyms from each page's definitions: per acronym, the long form most pages
    use, every long form with its number of pages, and how many pages define the acronym."""
    long_forms: dict[str, Counter[str]] = {}
    spellings: dict[str, Counter[str]] = {}
    defining_pages: Counter[str] = Counter()
    for definitions in pages:
        for definition in set(definitions):
            key = definition.acronym.upper()
            long_forms.setdefault(key, Counter())[_normal(definition.long_form)] += 1
            spellings.setdefault(key, Counter())[definition.acronym] += 1
        defining_pages.update({definition.acronym.upper() for definition in definitions})
    return [{"acronym": spellings[key].most_common(1)[0][0], "long_form": forms.most_common(1)[0][0],
             "pages": defining_pages[key], "long_forms": dict(forms.most_common())}
            for key, forms in sorted(long_forms.items())]


def to_record(definitions: Iterable[Definition]) -> list[list[str]]:
    """A page's definitions as its build record keeps them: [[acronym, long form], ...]."""
    return [[definition.acronym, definition.long_form] for definition in definitions]


def from_record(pairs: Iterable[Iterable[str]]) -> list[Definition]:
    """A page's definitions back from its build record."""
    return [Definition(acronym, long_form) for acronym, long_form in pairs]


def _normal(long_form: str) -> str:
    """A long form as listed: single spaces, and lower case unless a capital follows the first
    letter (a capital at the start only marks the start of a sentence; "von Hippel-Lindau" and
    "chromogranin A" keep theirs)."""
    words = " ".join(long_form.split())
    return words if any(ch.isupper() for ch in words[1:]) else words.lower()


def _long_form_before(before: str, inner: str) -> Definition | None:
    """'long form (ACRONYM)': the words just before the bracket spell the acronym in it."""
    acronym = _acronym(inner)
    if acronym is None:
        return None
    clause = _last_clause(before)
    words = list(_WORD.finditer(clause))
    letters = _letters(acronym)
    best: tuple[int, int] | None = None  # (inner letters used, first word), fewest inner letters
    for start in range(len(words) - 1, max(-1, len(words) - 1 - len(letters) - SPARE_WORDS), -1):
        window = [word.group() for word in words[start:]]
        inner_used = None if window[0].lower() in JOINING_WORDS else _inner_letters(letters, window)
        if inner_used is not None and (best is None or inner_used < best[0]):
            best = (inner_used, start)
    if best is None:
        return None
    return Definition(acronym, clause[words[best[1]].start():words[-1].end()])


def _long_form_inside(before: str, inner: str) -> Definition | None:
    """'ACRONYM (long form)': the whole bracket spells the acronym just before it."""
    acronym = _acronym(_token_before(before))
    if acronym is None or len(inner) <= len(acronym):
        return None
    words = [word.group() for word in _WORD.finditer(inner)]
    if not words or words[0].lower() in JOINING_WORDS:
        return None
    spelt = _inner_letters(_letters(acronym), words) is not None
    return Definition(acronym, " ".join(inner.split())) if spelt else None


def _acronym(token: str) -> str | None:
    """The acronym a bracket or word holds, without a plural "s"; None if it is not one: a single
    token of letters, digits and hyphens with at least two capitals and no more small letters
    than capitals (CgA and MiNEN are acronyms, Lutathera and B12 are not)."""
    token = token.strip()
    if token.endswith("s") and token[:-1].isupper():
        token = token[:-1]
    if not _ACRONYM.fullmatch(token) or not 2 <= len(token) <= 12 or _WORDLIKE.search(token):
        return None
    upper = sum(ch.isupper() for ch in token)
    lower = sum(ch.islower() for ch in token)
    return token if upper >= 2 and lower <= upper else None


def _token_before(before: str) -> str:
    """The token just before a bracket, hyphens included ("5-HIAA (...)")."""
    tail = before.rstrip().rsplit(None, 1)
    return tail[-1] if tail else ""


def _last_clause(before: str) -> str:
    """The text after the last clause boundary: a long form does not run across one."""
    ends = list(_CLAUSE_END.finditer(before))
    return before[ends[-1].end():] if ends else before


def _letters(acronym: str) -> str:
    return "".join(ch.lower() for ch in acronym if ch.isalnum())


def _inner_letters(letters: str, words: list[str]) -> int | None:
    """How few letters from inside words the words need to give exactly `letters` (each word its
    initial and maybe inner letters in order; joining words may give nothing), or None if they
    cannot."""
    if not words:
        return None if letters else 0
    word, rest = words[0].lower(), words[1:]
    options = []
    if word in JOINING_WORDS:
        options.append(_inner_letters(letters, rest))
    if letters and word[0] == letters[0]:
        options += [_add(taken - 1, _inner_letters(letters[taken:], rest))
                    for taken in _letters_given(word, letters)]
    found = [option for option in options if option is not None]
    return min(found) if found else None


def _add(count: int, rest: int | None) -> int | None:
    return None if rest is None else count + rest


def _letters_given(word: str, letters: str) -> Iterator[int]:
    """How many of `letters` the word can give: its initial, then each further letter found in
    order inside it (fewest first, so initials are preferred)."""
    yield 1
    position, taken = 1, 1
    while taken < len(letters):
        position = word.find(letters[taken], position)
        if position < 0:
            return
        position, taken = position + 1, taken + 1
        yield taken


def read_site_acronyms(gen_dir: Path) -> list[dict]:
    """The acronyms a generation's pages define (none for a generation built before they were kept)."""
    path = gen_dir / ACRONYMS_FILE
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8")).get("acronyms", [])


def synonym_lines(listing: Iterable[dict], is_common_word: Callable[[str], bool]) -> list[str]:
    """Two-way synonym rules ("NPH, normal pressure hydrocephalus") for the site's acronyms,
    leaving out those that are also everyday words ("CARE"): typed in lower case they would
    widen ordinary searches."""
    return [f"{item['acronym']}, {item['long_form']}" for item in listing
            if not is_common_word(item["acronym"].lower())]
