"""Section kinds (what is it, symptoms, treatment, outlook...): the shared vocabulary of what a
section answers, read from its heading at index time and from a question at query time."""
from __future__ import annotations

import re

# Ordered: the first pattern that matches a heading decides its kind. More specific kinds
# (side effects, follow-up) come before the broad ones they contain (treatment).
_HEADING_PATTERNS: tuple[tuple[str, str], ...] = (
    # a page's key points, one line per aspect: ranking lets the section on the aspect asked
    # about answer before it ("at a glance" is left out: "Side effects at a glance" is a table)
    ("summary", r"\b(key (points|facts)|summary|in (brief|short|a nutshell)|(points|things) to remember"
                r"|quick facts|main points)\b"),
    ("support", r"\b(support|helpline|help and advice|getting help|who can help|charit|counsell?ing"
                r"|contact us|talk to (someone|us))"),
    ("side_effects", r"\b(side[ -]effects?|after[- ]effects?|late effects|complications? of treatment)"),
    ("recurrence", r"\b(follow[- ]up|come back|coming back|recurr|relapse|check[- ]ups?|monitoring after)"),
    ("outlook", r"\b(outlook|survival|prognosis|life expectancy|how long|chances|cure|curable"
                r"|what happens next|end of life)"),
    ("stages", r"\b(stag(e|es|ing)|grad(e|es|ing)|ki-?67|differentiat|spread)"),
    ("diagnosis", r"\b(diagnos|tests?\b|scans?\b|biops|exams?\b|screening|check(ing)? for"
                  r"|endoscop|colonoscop|blood|urine|x-?ray|ct\b|mri\b|pet\b|results)"),
    ("symptoms", r"\b(symptoms?|signs?\b|flushing|how (do|will) i know|what does it feel)"),
    ("risks", r"\b(risks?|risk factors|who (gets|is at risk)|inherit|genetic|family history"
              r"|susceptib)"),
    ("causes", r"\b(causes?|why (do|does)|how does it (start|happen))"),
    ("prevention", r"\b(prevent|reduc(e|ing) (your|the) risk|avoid)"),
    ("treatment", r"\b(treat|therap|surgery|operation|chemo|radiotherap|drugs?\b|medicines?\b"
                  r"|injections?|watch and wait|active monitoring|prrt|somatostatin analog|management"
                  r"|transplant|embolis|ablation)"),
    ("living_with", r"\b(living with|life after|coping|day to day|diet|eating|food|nutrition|work"
                    r"|money|travel|exercise|fatigue|tired|relationships|sex\b|emotions|feelings"
                    r"|things to consider|daily life|recovery|recovering)"),
    ("frequency", r"\b(how common|who gets|statistics|incidence|how many)"),
    ("research", r"\b(research|clinical trials?|trials?\b|studies)"),
    ("complications", r"\b(complications?|problems)"),
    ("what_is", r"\b(what (is|are)|about|overview|introduction|types? of|the basics|understanding"
                r"|where .* start)"),
)
_COMPILED = tuple((kind, re.compile(pattern, re.I)) for kind, pattern in _HEADING_PATTERNS)
KINDS: tuple[str, ...] = tuple(kind for kind, _ in _HEADING_PATTERNS)


def section_kind(heading: str, parent_heading: str = "", level: int = 2) -> str:
    """Classify a section by its heading (then its parent heading); the intro is `what_is`."""
    if level == 1:
        return "what_is"
    for text in (heading, parent_heading):
        for kind, pattern in _COMPILED:
            if text and pattern.search(text):
                return kind
    return "other"
