"""Understanding a caller's question: what kind of section answers it, and which words matter.

A question is not a keyword list. Scaffolding ("can you tell me", "I was wondering if") is
dropped, lay phrasings of an intent ("how long will I live", "will it come back") become the
section kinds that answer them, and the remaining content words are what the search weighs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.kinds import KINDS

# Lay phrasings that are both an intent and only a way of asking (see _HOW_TO_ASK).
# A person must be the subject: "how long does the diarrhoea last" is not about survival.
_HOW_LONG_TO_LIVE = (r"\bhow long (can|will|do|does|did|would|might|could|have|has|is|are) (i|you|he|she|"
                     r"we|they|people|patients|someone|(my|his|her|our|their|your) \w+)( still)? "
                     r"(live|survive|last|have|got|left)\b")
_FAMILY = r"(my|our|your|his|her|their|the) (child|children|kids?|baby|babies|son|daughter|grandchildren)s?"
_SUBJECT = r"(i|i've|ive|i'll|ill|i'd|id|we|you|he|she|they|" + _FAMILY + r")\b"
# "what are the chances" asks about survival, unless a person follows: the chance that they
# have it, or that a child gets it too, is a question about risk
_CHANCES = r"\b(what are|what're|what is) (my|his|her|their|the) chances?(?! (that )?" + _SUBJECT + ")"
# results "come back" too ("my blood test came back positive"): that is no recurrence
_COMES_BACK = (r"\b(come|coming|came|comes) back\b(?! (as |with )?(positive|negative|normal|clear|fine|ok"
               r"|okay|high|low|abnormal|as)\b)")
_RUNS_IN_FAMILY = r"\bruns? in (the |my |our )?famil\w*\b"
# Lay ways of asking whether it is inherited. Sites file the answer under risks or under causes
# ("Causes: a faulty gene passed down from a parent"), so both kinds are asked for.
_INHERITED = (_RUNS_IN_FAMILY + r"|\binherit\w*\b|\bhereditary\b|\bgenetic(ally)?\b|\bin the genes\b|"
              r"\bpass(ed|es|ing)? (it |this |that )?(down|on to)\b|\bfamily history\b|"
              r"\b(could|will|would|might|can) " + _FAMILY + r" (get|have|inherit|develop)\b|"
              r"\bchances? (that )?" + _FAMILY + r" (will |would |could |might )?"
              r"(get|gets|have|has|inherit|inherits|develop|develops)\b")
# (kind, pattern, words that say the same thing in the site's own vocabulary). The pattern's
# words are removed from the query when they are only the *way* of asking ("how long can I
# live" says nothing about a page's topic); the kind's own vocabulary is searched softly instead.
_INTENTS: tuple[tuple[str, str, str], ...] = (
    ("side_effects", r"\bside[- ]?effects?\b|\bafter[- ]effects?\b|\bmake (me|him|her|them|you) "
                     r"(feel )?(sick|ill|tired)\b|\bhair (loss|fall out)\b", "side effects"),
    ("outlook", _HOW_LONG_TO_LIVE + r"|\blife expectancy\b|" + _CHANCES + r"\b|\bchances? of "
                r"(survival|surviving|beating|recovery)\b|\b(is it|is this|can (it|this|they) be|are they) "
                r"(curable|cured|fatal|terminal|deadly|treatable)\b|\bcan (it|this|they) (still )?be "
                r"(cured|treated)\b|\bcur(e|ed|able)\b|\bsurvival rates?\b|\bprognosis\b|\boutlook\b"
                r"|\b(going|gonna) to die\b|\bdie (from|of)\b"
                r"|\bwill (i|he|she|they) (die|survive|get better|recover)\b",
     "survival outlook"),
    ("recurrence", _COMES_BACK + r"|\brecurr\w*\b|\brelapse\w*\b|\bfollow[- ]?up"
                   r"\b|\bcheck[- ]?ups?\b", "follow-up recurrence"),
    ("risks", _INHERITED + r"|\bchances? (that )?(i|i've|ive|i'll|ill|we|you|he|she|they)\b|\bat risk\b|"
              r"\brisk factors?\b|\bmore likely to get\b|"
              r"\bwho gets\b|\bsusceptib\w*\b", "risk inherited"),
    ("causes", _INHERITED + r"|\bwhat causes?\b|\bcaused\b|\bcauses? of\b|\bwhy (do|did|does|would|have|has)"
               r" \w+ (get|got|have|develop|developed)\b|\bhow (did|do|does|would|could) (i|you|he|she|we|"
               r"they|someone|people) (get|catch|pick up)\b|\bwhat (brings|brought) (it|this|them) on\b|"
               r"\btrigger(s|ed)?\b|\bmy fault\b|\bwhy me\b", "causes"),
    ("prevention", r"\bprevent\w*\b|\bavoid\w*\b|\b(reduce|lower|cut) (my|the|your|our|his|her) (risk|"
                   r"chances?)\b|\bstop (it|them|this|these|that) (from )?(coming back|happening|getting)\b|"
                   r"\bkeep (it|them) from\b|\bprotect (myself|ourselves|yourself|him|her|them|my)\b|"
                   r"\bward off\b", "prevention"),
    ("frequency", r"\bhow (common|rare|likely)\b|\bhow many (people|of us)\b|\bis (it|this|that) (very |"
                  r"really )?(common|rare|unusual)\b|\bprevalen\w*\b", "how common"),
    ("stages", r"\bwhat stage\b|\bstag(e|es|ing)\b|\bgrad(e|es|ing)\b|\bki-?67\b|\bhow advanced\b|"
               r"\bdifferentiated\b", "stage grade"),
    ("diagnosis", r"\bhow (is|are|do|will|would|can|could) (it|they|this|you|doctors?) (diagnosed|found|"
                  r"detected|tested|test|check|know)\b|\b(get|be|being) tested\b|\btest(ed|ing)? for\b|"
                  r"\bwhat tests?\b|\bdiagnos\w*\b|\b(blood|urine) tests?\b|"
                  r"\bscans?\b|\bbiopsy\b", "tests diagnosis"),
    ("symptoms", r"\bsymptoms?\b|\bsigns?\b|\bwhat does (it|this) feel like\b|\bhow (do|would|will) "
                 r"(i|you|we) know\b|\bwarning signs?\b", "symptoms"),
    ("support", r"\bwho can (i|we|he|she) (talk|speak) to\b|\bsupport groups?\b|\bhelpline\b|"
                r"\bsomeone to talk to\b|\bcounsell?\w*\b|\bemotional support\b", "support"),
    ("living_with", r"\bcan (i|he|she|they|you|we) (still )?(work|drive|travel|fly|exercise|eat|"
                    r"drink|go on holiday)\b|\b(back to|return to|go to|keep) work\w*\b|\bday to day"
                    r"\b|\bliving with\b|\bcop(e|ing)\b|\bwhat (can|should) (i|he|she|they|you) eat\b|"
                    r"\bdiet\b|\btired(ness)?\b|\bfatigue\b|\bexhausted\b|\bsick pay\b|\bbenefits\b|"
                    r"\bwhat to do (for|about)\b|\bthings to consider\b|\brecover\w*\b|\bhow soon can\b"
                    r"|\bhow (i|we|you|he|she|they) eat\b",
     "living with"),
    ("treatment", r"\bhow (is|are) (it|they|this|these|\w+) treated\b|\btreat\w*\b|\b(what|which) "
                  r"(drugs?|medicines?)\b|\bsurgery\b|\boperation\b|\bcan (it|they) be removed\b|"
                  r"\btherapy\b|\bmanaged?\b|\bchemo\w*\b|\bradiotherapy\b|\bradiation treatment\b"
                  # what a medicine contains (its ingredients) is told where the medicine is
                  r"|\bingredients?\b|\bwhat('s| is) in (it|them|the|this|these|my)\b|\b(does|do) (it|they"
                  r"|this|these|that) contain\b|\bmade (of|from)\b",
     "treatment"),
    ("research", r"\bclinical trials?\b|\btrials?\b|\bresearch\b|\bnew treatments?\b", "research trials"),
    ("complications", r"\bcomplications?\b", "complications"),
    ("what_is", r"^(what|whats|what's) (is|are|does)\b|\bwhat (is|are) (a|an|the)?\b|\bwhat does .+ "
                r"mean\b|\bmeaning of\b|\bexplain\b|\btell me about\b|\bdifference between\b",
     ""),
)
_COMPILED = tuple((kind, re.compile(p, re.I), words) for kind, p, words in _INTENTS)
# Lay phrasings whose words carry no topic and would otherwise match the wrong sections.
_HOW_TO_ASK = re.compile(
    "|".join((_HOW_LONG_TO_LIVE, _CHANCES + r"( of)?\b", _COMES_BACK, _RUNS_IN_FAMILY,
              r"\bcan (i|he|she|they|you|we) still\b|\b(going|gonna) to die\b|\bwhat does (it|this) "
              r"feel like\b")), re.I)
_SCAFFOLDING = re.compile(
    r"\b(can|could|would) you (please )?(tell|explain to|help) (me|us)( about| if| whether| what"
    r"| how)?\b|\bi (was|am|'m) (just )?wondering( if| whether| about)?\b|\bi('d| would) like to know"
    r"( if| whether| about)?\b|\bi (want|need) to know( if| whether| about)?\b|\bdo you know( if| "
    r"whether)?\b|\b(the )?caller (is asking|asks|wants to know|is worried)( about| if| whether)?\b|"
    r"\b(hi|hello|please|thanks|thank you)\b|\b(is there|are there) any(thing)?\b", re.I)
# Words that frame a question but say nothing about what is asked: English function words,
# spoken contractions, and the fillers of a phone call ("my mum's been told...", "is there any
# point"). Whoosh's own stop list is deliberately tiny; for questions a fuller one is right.
QUESTION_WORDS = frozenset("""
a about above after again against all also am an and any anybody anyone anything are as at be
because been before being below between both but by can could did do does doing done down during
each either else even ever every few for from further had has have having he her here hers herself
him himself his how i if in into is it its itself just me might more most must my myself neither
no nobody nor not now of off on once only or other others our ours ourselves out over own per
quite rather same shall she should so some somebody someone something such than that the their
theirs them themselves then there these they this those though through to too under until up upon
us very was we were what whatever when where whether which while who whom whose why will with
within without would yet you your yours yourself yourselves
im ive id ill youre youve youd youll hes shes its were weve theyre theyve theyd theyll dont doesnt
didnt isnt arent wasnt werent cant couldnt wont wouldnt shouldnt havent hasnt hadnt mustnt whats
thats theres heres lets
already actually actual really truly just still quite bit lot lots loads much many
tell told telling say said saying says ask asked asking explain explained mean means meant
know knew known think thought wonder wondering want wanted need needed like please thanks thank
hi hello okay ok yes yeah sorry
get gets got getting go goes going went gone keep keeps kept make makes made take takes took
put puts give gives given let thing things stuff kind sort way point whole
mum mums dad dads mother mothers father fathers husband husbands wife wifes partner partners
son sons daughter daughters brother brothers sister sisters friend friends caller callers
people person patient patients somebody everybody everyone
""".split())
KIND_LABELS = {
    "what_is": "what it is", "symptoms": "symptoms", "causes": "causes", "risks": "risks",
    "prevention": "prevention", "diagnosis": "tests and diagnosis", "stages": "stages and grades",
    "treatment": "treatment", "side_effects": "side effects", "outlook": "outlook and survival",
    "recurrence": "follow-up and recurrence", "living_with": "living with it", "support": "support",
    "frequency": "how common", "research": "research and trials", "complications": "complications",
}
assert set(KIND_LABELS) <= set(KINDS)


@dataclass(frozen=True)
class Question:
    """What a query asks: the words to search, soft intent words, and the kinds that answer it."""

    text: str
    content: str
    kinds: tuple[str, ...] = ()
    intent_words: tuple[str, ...] = field(default=())

    @property
    def labels(self) -> list[str]:
        """Readable names of the kinds asked about."""
        return [KIND_LABELS.get(k, k) for k in self.kinds]


def understand(text: str) -> Question:
    """Read a query or question: intent kinds, content words, soft intent vocabulary."""
    found = {kind: words for kind, pattern, words in _COMPILED if pattern.search(text)}
    if len(found) > 1:
        found.pop("what_is", None)  # "what are the symptoms" asks for symptoms, not a definition
    kinds = tuple(found)[:2]  # the first two in priority order; more would mean nothing
    intent_words = [w for kind in kinds for w in found[kind].split()]
    content = _SCAFFOLDING.sub(" ", _HOW_TO_ASK.sub(" ", text))
    return Question(text=text, content=content, kinds=kinds,
                    intent_words=tuple(dict.fromkeys(intent_words)))


def is_question_word(word: str) -> bool:
    """True for words that frame a question ("what", "my", "mum's") rather than say what it is about."""
    return plain_word(word) in QUESTION_WORDS


def plain_word(word: str) -> str:
    """Lower case letters only, possessive dropped: "Mum's" -> "mum", "they've" -> "theyve"."""
    return re.sub(r"[^a-z]", "", re.sub(r"['’]s$", "", word.lower()))
