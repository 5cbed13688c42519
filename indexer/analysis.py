"""The one text analyzer (tokens, case, accents, British/American spelling, stemming) and synonyms."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.acore import Token
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map

# Whole-word British -> American pairs that no suffix rule covers safely.
_WORD_VARIANTS = {
    "practise": "practice", "practised": "practiced", "practising": "practicing",
    "licence": "license", "defence": "defense", "offence": "offense", "programme": "program",
    "programmes": "programs", "grey": "gray", "mould": "mold", "ageing": "aging",
    "foetus": "fetus", "foetal": "fetal", "coeliac": "celiac", "manoeuvre": "maneuver",
    "sulphur": "sulfur", "aluminium": "aluminum", "cheque": "check", "tyre": "tire",
    "travelled": "traveled", "travelling": "traveling", "labelled": "labeled",
    "labelling": "labeling", "modelling": "modeling", "cancelled": "canceled",
    "counselling": "counseling", "counsellor": "counselor", "counsellors": "counselors",
    "signalling": "signaling", "fuelled": "fueled", "enrolment": "enrollment",
    "fulfil": "fulfill", "skilful": "skillful", "plough": "plow", "catheterise": "catheterize",
    "oedema": "edema", "orthopaedic": "orthopedic", "caesarean": "cesarean",
}
# Words the suffix rules below would bend wrongly; they are left as they are.
_KEEP = frozenset({
    "four", "hour", "hours", "your", "yours", "our", "ours", "pour", "tour", "sour", "flour",
    "detour", "contour", "devour", "amour", "troubadour", "paramour", "velour", "dour",
    "genre", "acre", "ogre", "lucre", "massacre", "mediocre", "timbre", "sabre",
})
# Suffix and infix rules, tried in order; each maps a British form to the American one.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r) for p, r in (
        (r"^(.{2,})our(s|ed|ing|ite|ites|able|er|ers|less)?$", r"\1or\2"),   # tumour, colour, behaviour
        (r"^(.*[^aeiou])ae(.+)$", r"\1e\2"),         # haemoglobin, leukaemia, anaemia, paediatric
        (r"^ae(tiology|mia)", r"e\1"),                # aetiology
        (r"^oe(s|d|n|c)(.+)$", r"e\1\2"),             # oesophagus, oestrogen, oedema
        (r"^(.+)rrhoea(l)?$", r"\1rrhea\2"),          # diarrhoea, gonorrhoea
        (r"^(.{3,})is(e|ed|es|ing|er|ers|ation|ations)$", r"\1iz\2"),  # organise, immunisation
        (r"^(.{3,})ys(e|ed|es|ing|er)$", r"\1yz\2"),  # analyse, paralyse, dialyse
        (r"^(.{3,})ogue(s)?$", r"\1og\2"),            # analogue, catalogue, dialogue
        (r"^(.{2,})(t|b)re(s|d)?$", r"\1\2er\3"),   # centre, fibre, litre, theatre
    )
)
_ACRONYM = re.compile(r"^([A-Z0-9]*[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*)s?$")


@lru_cache(maxsize=100_000)
def american_spelling(word: str) -> str:
    """Map a lower-case British spelling to its American twin, so both index as one term."""
    if word in _WORD_VARIANTS:
        return _WORD_VARIANTS[word]
    if word in _KEEP or len(word) < 5:
        return word
    for pattern, replacement in _RULES:
        new, count = pattern.subn(replacement, word)
        if count:
            return new
    return word


class SpellingVariantFilter(Filter):
    """Whoosh filter: British and American spellings become one term (tumour/tumor -> tumor)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpellingVariantFilter)

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = american_spelling(token.text)
            yield token


class AcronymFilter(Filter):
    """Keeps only all-capital tokens (NET, NETs -> NET, 5-HIAA -> HIAA), case preserved."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AcronymFilter)

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for token in tokens:
            match = _ACRONYM.match(token.text)
            if match:
                token.text = match.group(1)
                yield token


# Distinct words remembered by WordFormFilter (a site's vocabulary is far smaller).
_WORD_FORM_MEMO = 100_000


@lru_cache(maxsize=1)
def _english_stem() -> Callable[[str], str]:
    return stemmer_for_language("en")


class WordFormFilter(Filter):
    """Lower case, accents folded, British spelling made American, stop words marked, stems: the
    chain LowercaseFilter | CharsetFilter | SpellingVariantFilter | StopFilter | StemFilter in
    one pass, each distinct word worked out once (five chained filters were a fifth of a build).
    A test holds it token for token equal to that chain."""

    def __init__(self) -> None:
        self.stops = frozenset(STOP_WORDS)
        self._memo: dict[str, tuple[str, bool]] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordFormFilter)

    def __getstate__(self) -> dict:
        return {"stops": self.stops}  # the memo is a cache, not part of the schema

    def __setstate__(self, state: dict) -> None:
        self.stops, self._memo = state["stops"], {}

    def form(self, text: str) -> tuple[str, bool]:
        """(the indexed form, whether it is a stop word) of one token as written, memoised (a
        word's form depends only on its lower case, so "Tummy" reuses what "tummy" learned)."""
        found = self._memo.get(text)
        if found is None:
            lowered = text.lower()
            found = self._memo.get(lowered) or self._form(lowered)
            if len(self._memo) < _WORD_FORM_MEMO:
                self._memo[text] = self._memo[lowered] = found
        return found

    def _form(self, text: str) -> tuple[str, bool]:
        """(the indexed form, whether it is a stop word) of one token as written."""
        word = american_spelling(text.lower().translate(accent_map))
        if len(word) < _MIN_WORD or word in self.stops:
            return word, True
        return _english_stem()(word), False

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        memo, pos = self._memo, None
        for token in tokens:
            found = memo.get(token.text)
            if found is None:
                found = self._form(token.text)
                if len(memo) < _WORD_FORM_MEMO:
                    memo[token.text] = found
            token.text, stopped = found
            if stopped:
                if not token.removestops:  # kept, marked, as StopFilter does for phrase queries
                    token.stopped = True
                    yield token
                continue
            if token.positions:  # positions count only kept words, as StopFilter renumbers them
                pos = token.pos if pos is None else pos + 1
                token.pos = pos
            token.stopped = False
            yield token


# StopFilter's default: one-letter words are never indexed
_MIN_WORD = 2


def text_analyzer() -> Analyzer:
    """The one analyzer for index and query text: words, case, accents, spelling, stop words, stems."""
    return RegexTokenizer() | WordFormFilter()


def chained_text_analyzer() -> Analyzer:
    """The same analysis as Whoosh's stock filters, chained (what WordFormFilter is checked against)."""
    return (RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
            | SpellingVariantFilter() | StopFilter() | StemFilter(lang="en"))


# A word for spelling suggestions: three or more letters.
SPELLING_WORD = re.compile(r"[^\W\d_]{3,}")
# Exactly the words the acronym analyzer keeps (a whole run of letters and digits with two or
# more capitals, no lower case but a plural s), for picking them out of long text in one pass.
ACRONYM_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Z0-9]*[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*s?(?![A-Za-z0-9])")


def spelling_analyzer() -> Analyzer:
    """Unstemmed words as written, for "Did you mean" suggestions that are real words."""
    return RegexTokenizer(SPELLING_WORD.pattern) | LowercaseFilter() | CharsetFilter(accent_map)


def acronym_analyzer() -> Analyzer:
    """Case-preserving acronyms only, so NET the tumour never matches "safety net"."""
    return RegexTokenizer(r"[A-Za-z0-9]+") | AcronymFilter()


TEXT_ANALYZER = text_analyzer()
SPELLING_ANALYZER = spelling_analyzer()
ACRONYM_ANALYZER = acronym_analyzer()


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, indexed form) of each word of `text` that is not a stop word: what
    TEXT_ANALYZER yields with character offsets, without building a Token per word (snippets
    read every shown passage this way; a test holds the two equal)."""
    tokenizer, forms = TEXT_ANALYZER.items[0], TEXT_ANALYZER.items[1]
    for match in tokenizer.expression.finditer(text):
        form, stopped = forms.form(match.group(0))
        if not stopped:
            yield match.start(), match.end(), form


def learn_words(words: Iterable[str]) -> None:
    """Work out the forms of these words now (a server starting: stemming a site's words one by
    one as its first searches show them cost each of those searches milliseconds)."""
    forms = TEXT_ANALYZER.items[1]
    for word in words:
        forms.form(word)


def analyze(text: str) -> list[str]:
    """The terms the index holds for `text` (the same analyzer as index time)."""
    return [t.text for t in TEXT_ANALYZER(text, mode="query")]


def acronym_form(word: str) -> str:
    """The acronym as the acronyms field holds it: NETs -> NET (the word itself if none)."""
    match = _ACRONYM.match(word)
    return match.group(1) if match else word


def is_acronym(word: str) -> bool:
    """True for NET, NETs, PRRT, 5-HIAA's HIAA: two or more capitals."""
    return bool(_ACRONYM.match(word))


@dataclass(frozen=True)
class Variant:
    """One way to say a concept: its words as written, their analysed terms, acronym or not."""

    surface: str
    terms: tuple[str, ...]
    acronym: bool


@dataclass
class SynonymTable:
    """Synonym rules keyed by analysed term sequences; values are the variants to search for."""

    rules: dict[tuple[str, ...], tuple[Variant, ...]] = field(default_factory=dict)

    @property
    def longest(self) -> int:
        """Length in terms of the longest rule key."""
        return max((len(k) for k in self.rules), default=0)

    def variants(self, terms: tuple[str, ...]) -> tuple[Variant, ...]:
        """The variants a run of analysed terms expands to (empty if no rule)."""
        return self.rules.get(terms, ())

    def merged(self, lines: Iterable[str]) -> SynonymTable:
        """This table plus the rules of `lines` whose terms it has no rule for: its own rules
        (the synonym file, the editors') always win over ones learned elsewhere."""
        extra = parse_synonyms(lines).rules
        return SynonymTable({**{k: v for k, v in extra.items() if k not in self.rules}, **self.rules})

    def fingerprint(self) -> str:
        """A short digest of the rules: equal tables have equal digests, in any process."""
        return hashlib.sha1(repr(sorted(self.rules.items())).encode("utf-8")).hexdigest()[:16]

    def acronyms(self) -> set[str]:
        """Every acronym the table knows, upper case (NET, NEC, PRRT, GP...)."""
        return {v.surface for vs in self.rules.values() for v in vs if v.acronym}


def make_variant(surface: str) -> Variant | None:
    """Analyse one synonym entry; None if it has no searchable terms."""
    surface = surface.strip()
    terms = tuple(analyze(surface))
    if not terms:
        return None
    return Variant(surface=surface, terms=terms, acronym=" " not in surface and is_acronym(surface))


def parse_synonyms(lines: Iterable[str]) -> SynonymTable:
    """Read Solr-format rules: `a, b, c` (all equivalent) and `a, b => c, d` (one way)."""
    table = SynonymTable()
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, right = line.split("=>", 1)
            sources, targets = _entries(left), _entries(right)
        else:
            sources = targets = _entries(line)
        for source in sources:
            merged = {v.surface.lower(): v for v in (*table.rules.get(source.terms, (source,)), *targets)}
            table.rules[source.terms] = tuple(merged.values())
    return table


def _entries(text: str) -> list[Variant]:
    return [v for v in (make_variant(part) for part in text.split(",")) if v is not None]


def load_synonyms(path: Path | str | None) -> SynonymTable:
    """Load a synonyms file; a missing path gives an empty table."""
    if path is None or not Path(path).is_file():
        return SynonymTable()
    return parse_synonyms(Path(path).read_text(encoding="utf-8").splitlines())
