"""Removing personal details from a query before it is stored: nurses type callers' details.

Every pattern starts only at a word boundary it cannot re-enter, and input is cut to
MAX_REDACT_CHARS first, so redaction takes time linear in the query's length. When in doubt
a word is redacted: a search log with "[name]" in it loses little.
"""
from __future__ import annotations

import re
import unicodedata

MAX_REDACT_CHARS = 1000

# "May" is also a verb ("stage 4 may spread"): it counts as a month only with a year after it.
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DAY = r"(?:[0-3]?\d(?:st|nd|rd|th)?)"
_YEAR = r"(?:(?:19|20)\d\d|'?\d\d)"
# Words that follow "my husband", "patient" and so on without being a name.
_NOT_NAMES = frozenset("""
a an the and or but with without who whose which that this his her their is was has had have having
been being be gets got get getting needs need wants want went going goes feels feeling felt says said
aged age years year old in on at of for from to after before since about into has just also still now
cancer tumour tumor chemo chemotherapy radiotherapy surgery treatment symptoms pain scan results
diagnosed diagnosis dying died passed terminal stage grade can cannot can't isn't wasn't doesn't
is not very really so too keeps keep kept won't will would should could might may must
my me you i we they him them it she he your our
bowel breast lung liver prostate skin blood brain bone stomach pancreatic pancreas ovarian kidney
information leaflet leaflets support advice guide experience experiences stories story nurse nurses
care services groups group transport rights travel insurance rights
""".split())

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SPOKEN_DOT = r"(?:\s*\.\s*|\s*[\[(]dot[\])]\s*|\s+dot\s+)"
_SPOKEN_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w+-]+(?:{_SPOKEN_DOT}[\w+-]+){{0,3}}(?:\s*[\[(]at[\])]\s*|\s+at\s+)[\w-]+"
    rf"(?:{_SPOKEN_DOT}[\w-]+){{1,4}}",  # bounded repeats: a long "x dot x dot ..." stays linear
    re.I)
_DATE = re.compile(r"(?<![\w/.-])\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
_WORD_DATE = re.compile(
    rf"\b(?:{_DAY}\s+(?:of\s+)?{_MONTH}\b(?:,?\s+{_YEAR}\b)?|{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?"
    rf"|{_DAY}\s+(?:of\s+)?may,?\s+{_YEAR}\b|may\s+{_DAY},?\s+{_YEAR}\b"
    rf"|(?:{_MONTH}|may)\s+(?:19|20)\d\d\b)", re.I)
_NI_NUMBER = re.compile(r"\b[a-z]{2}\s?\d\d\s?\d\d\s?\d\d\s?[a-d]\b", re.I)
_HOSPITAL_NUMBER = re.compile(r"\b[a-z]{0,4}\d{5,}[a-z]{0,3}\b", re.I)  # rx123456; no query needs these
_DIGIT_RUN = re.compile(r"(?<![\d(+])\+?\(?\d(?:[\s().-]{0,3}\d){6,}")  # phone, NHS numbers
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I)
_STREET = re.compile(
    r"\b\d{1,4}[a-z]?,?\s+(?:[a-z'-]+\s+){1,3}(?:street|st|road|rd|avenue|ave|lane|ln|close|drive|dr"
    r"|way|court|ct|crescent|place|pl|gardens|grove|terrace|park|hill|row|walk|square|mews|view)\b"
    r"(?:,?\s+(?P<town>[a-z'-]+))?", re.I)
_AGE = re.compile(r"\b(aged?\s+)\d{1,3}\b|\b\d{1,3}\s*(?:years?[\s-]old|yrs?[\s-]old|y/?o)\b", re.I)
_NAME_AFTER = re.compile(
    r"\b(patient|client|caller|my\s+(?:husband|wife|partner|mum|mother|mom|dad|father|son|daughter"
    r"|brother|sister|friend|grandson|granddaughter|grandma|grandmother|grandad|grandfather|nan|aunt"
    r"|uncle|niece|nephew|boyfriend|girlfriend|fiance|fiancee|neighbour|carer)|mr|mrs|ms|miss)"
    r"\.?((?:\s+[^\W\d_][\w'’-]*){1,3})", re.I)
_NUMBER_LABEL = re.compile(r"\b((?:number|no|num|ref(?:erence)?|mrn|id)\.?:?\s+)(?=\S*\d)\S{3,}", re.I)


def redact(text: str) -> str:
    """The query with personal details replaced by [name], [email], [date] and the like."""
    text = _clean(text[:MAX_REDACT_CHARS])
    text = _EMAIL.sub("[email]", text)
    text = _SPOKEN_EMAIL.sub("[email]", text)
    text = _DATE.sub("[date]", text)
    text = _WORD_DATE.sub("[date]", text)
    text = _STREET.sub(_street, text)
    text = _NI_NUMBER.sub("[ni number]", text)
    text = _DIGIT_RUN.sub("[number]", text)
    text = _HOSPITAL_NUMBER.sub("[number]", text)
    text = _NUMBER_LABEL.sub(r"\1[number]", text)
    text = _POSTCODE.sub("[postcode]", text)
    text = _AGE.sub(_age, text)
    text = _NAME_AFTER.sub(_name, text)
    return " ".join(text.split())


def _clean(text: str) -> str:
    """Compatibility forms folded (full-width "＠" and digits) and control characters (NUL, bidi
    overrides, zero-width) turned into spaces: they hide details from the patterns and garble
    the editors' page."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)


def _street(match: re.Match) -> str:
    """The house number and street, and the town after them unless it is an ordinary word."""
    town = match.group("town")
    return f"[address] {town}" if town and town.lower() in _NOT_NAMES else "[address]"


def _age(match: re.Match) -> str:
    return f"{match.group(1)}[age]" if match.group(1) else "[age]"


def _name(match: re.Match) -> str:
    """Keep the word that introduced the name; replace the words that look like a name."""
    words = match.group(2).split()
    taken = 0
    for word in words:
        if word.lower() in _NOT_NAMES or word.startswith("["):
            break
        taken += 1
    if not taken:
        return match.group(0)
    rest = " ".join(words[taken:])
    return f"{match.group(1)} [name]" + (f" {rest}" if rest else "")
