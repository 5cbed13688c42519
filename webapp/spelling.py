"""Spelling correction against the site's own words, typed in British or American spelling."""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.reading import IndexReader
from whoosh.spelling import Corrector

from indexer.analysis import american_spelling
from webapp.postings import term_totals

# Below this length one edit is allowed, from it two: "mums" must not become "much". Long words
# are mostly rare names (of conditions, drugs, bacteria) that people spell as they hear them, so
# from ten letters three edits are allowed ("ciprofaxin" for "ciprofloxacin"): no English word
# that long is three edits from another by chance, and real words never reach the corrector.
TWO_EDITS_FROM = 8
THREE_EDITS_FROM = 10
NEAR_TWO_EDITS_FROM = 6


class SiteSpelling:
    """The site's vocabulary, as written and in American spelling, with a corrector over both.

    "diarhea" is two edits from the site's "diarrhoea" but one from "diarrhea"; correcting
    against both spellings and answering with the site's own keeps either kind of visitor covered.
    """

    def __init__(self, words: Iterable[str], pages: Mapping[str, int] | None = None) -> None:
        self._site: dict[str, str] = {}  # any spelling of a site word -> the site's own spelling
        for word in words:
            self._site.setdefault(word, word)
            self._site.setdefault(american_spelling(word), word)
        pages = pages or {}
        self._corrector = WordListCorrector(self._site, {w: pages.get(s, 0) for w, s in self._site.items()})

    @classmethod
    def from_reader(cls, reader: IndexReader, field: str = "spelling") -> SiteSpelling:
        """The vocabulary of an index's spelling field, with how many pages use each word."""
        counts = term_totals(reader, field, lambda info: info.doc_frequency())
        pages = {term.decode("utf-8"): int(count) for term, count in sorted(counts.items())}
        return cls(pages, pages)

    def words(self) -> list[str]:
        """The site's words, as the site spells them."""
        return list(dict.fromkeys(self._site.values()))

    def knows(self, word: str) -> bool:
        """True when the site uses the word, in this spelling or its American twin."""
        return word in self._site or american_spelling(word) in self._site

    def correct(self, word: str) -> str | None:
        """The site's word a lower-case typed word most likely misspells, or None: the nearest,
        and of equally near words the one on most pages. Each distance is tried only when the
        nearer ones found nothing (an automaton for three edits costs ~20 ms)."""
        for form in _forms(word):
            for distance in range(1, _edits_allowed(form) + 1):
                options = self._corrector.suggest(form, limit=1, maxdist=distance, prefix=1)
                if options:
                    return self._site[options[0]]
        return None

    def near(self, word: str, limit: int = 3) -> list[str]:
        """Site words spelt nearly like a lower-case word, nearest first: looser than `correct`
        (two edits from six letters, where it waits for eight), as it proposes synonyms to an
        editor who judges them rather than correcting a visitor's search."""
        maxdist = 1 if len(word) < NEAR_TWO_EDITS_FROM else 2
        options = self._corrector.suggest(word, limit=limit + 1, maxdist=maxdist, prefix=1)
        return list(dict.fromkeys(self._site[o] for o in options if self._site[o] != word))[:limit]


def _edits_allowed(word: str) -> int:
    return 1 if len(word) < TWO_EDITS_FROM else 2 if len(word) < THREE_EDITS_FROM else 3


def _forms(word: str) -> list[str]:
    """The word, then without a plural s ("wipples" -> "wipple"): the site may only write the
    singular, and the extra letter would use up the one edit a short word is allowed."""
    forms = [word]
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    return forms


class WordListCorrector(Corrector):
    """Whoosh's corrector over a word list. Whoosh's own ListCorrector skips a word each time
    its automaton asks for one that is not in the list, so it misses real corrections. Of equally
    near words, the one with the greater weight (the site's pages using it) comes first."""

    def __init__(self, words: Iterable[str], weights: Mapping[str, int] | None = None) -> None:
        self.words = sorted(set(words))
        self.weights = weights or {}
        self._heaviest = max(self.weights.values(), default=0) + 1

    def _suggestions(self, text: str, maxdist: int, prefix: int) -> Iterator[tuple[int, str]]:
        seen = set()
        for distance in range(1, maxdist + 1):
            automaton = levenshtein_automaton(text, distance, prefix).to_dfa()
            for word in find_all_matches(automaton, self._first_from):
                if word not in seen:
                    seen.add(word)
                    # nearer is better; the weight, below one, only orders equally near words
                    yield -distance + self.weights.get(word, 0) / self._heaviest, word

    def _first_from(self, word: str) -> str | None:
        """The first listed word at or after `word` in sort order (what the automaton needs)."""
        position = bisect_left(self.words, word)
        return self.words[position] if position < len(self.words) else None
