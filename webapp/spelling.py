"""Spelling correction against the site's own words, typed in British or American spelling."""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.spelling import Corrector

from indexer.analysis import american_spelling

# Below this length one edit is allowed, from it two: "mums" must not become "much".
TWO_EDITS_FROM = 8
NEAR_TWO_EDITS_FROM = 6


class SiteSpelling:
    """The site's vocabulary, as written and in American spelling, with a corrector over both.

    "diarhea" is two edits from the site's "diarrhoea" but one from "diarrhea"; correcting
    against both spellings and answering with the site's own keeps either kind of visitor covered.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self._site: dict[str, str] = {}  # any spelling of a site word -> the site's own spelling
        for word in words:
            self._site.setdefault(word, word)
            self._site.setdefault(american_spelling(word), word)
        self._corrector = WordListCorrector(self._site)

    def knows(self, word: str) -> bool:
        """True when the site uses the word, in this spelling or its American twin."""
        return word in self._site or american_spelling(word) in self._site

    def correct(self, word: str) -> str | None:
        """The site's word a lower-case typed word most likely misspells, or None."""
        for form in _forms(word):
            maxdist = 1 if len(form) < TWO_EDITS_FROM else 2
            options = self._corrector.suggest(form, limit=1, maxdist=maxdist, prefix=1)
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


def _forms(word: str) -> list[str]:
    """The word, then without a plural s ("wipples" -> "wipple"): the site may only write the
    singular, and the extra letter would use up the one edit a short word is allowed."""
    forms = [word]
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    return forms


class WordListCorrector(Corrector):
    """Whoosh's corrector over a word list. Whoosh's own ListCorrector skips a word each time
    its automaton asks for one that is not in the list, so it misses real corrections."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = sorted(set(words))

    def _suggestions(self, text: str, maxdist: int, prefix: int) -> Iterator[tuple[int, str]]:
        seen = set()
        for distance in range(1, maxdist + 1):
            automaton = levenshtein_automaton(text, distance, prefix).to_dfa()
            for word in find_all_matches(automaton, self._first_from):
                if word not in seen:
                    seen.add(word)
                    yield -distance, word  # nearer is better

    def _first_from(self, word: str) -> str | None:
        """The first listed word at or after `word` in sort order (what the automaton needs)."""
        position = bisect_left(self.words, word)
        return self.words[position] if position < len(self.words) else None
