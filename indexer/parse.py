"""HTML -> Page: decoding, main content, boilerplate removal, section split and metadata.

Hostile pages cost bounded work: a page over MAX_PAGE_BYTES, nested deeper than MAX_DEPTH or
taking over MAX_PARSE_SECONDS is skipped with the reason; a section over MAX_SECTION_CHARS is cut
with a warning. Tree walks are loops, not recursion, and each runs once over the tree.
"""
from __future__ import annotations

import codecs
import contextlib
import json
import logging
import re
import signal
import threading
import unicodedata
from collections.abc import Collection, Iterator
from datetime import date
from pathlib import Path, PurePosixPath

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import Declaration, Doctype, ProcessingInstruction

from indexer.model import Page, PageMeta, ParseError, Section, bytes_hash

log = logging.getLogger(__name__)

# Limits (see the module docstring). Real pages are far inside them: the sample site's largest
# page is under 100 KB, about 30 levels deep, and parses in well under a second.
MAX_PAGE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 400
MAX_PARSE_SECONDS = 20.0
MAX_SECTION_CHARS = 200_000

# Tags that never hold readable page content.
_NEVER_CONTENT = (
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "object", "embed",
    "button", "input", "select", "textarea", "dialog", "link", "meta",
)
# Landmarks that are site furniture rather than the page's own text. A <form> is furniture (a
# search box) unless it holds the h1: ASP.NET sites wrap the whole page in one.
_FURNITURE_TAGS = ("nav", "footer", "aside", "form")
_FURNITURE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}
# Class, id or aria-label words that mark boilerplate on real sites: cookie banners, crumbs,
# "on this page" lists, share and feedback widgets, related-links boxes, visually hidden labels.
_FURNITURE_HINT = re.compile(
    r"(?:^|[\s_-])(cookies?|consent|gdpr|breadcrumbs?|crumbs|skip|share|sharing|social|feedback"
    r"|related|newsletter|sidebar|menu|navbar|nav|toc|on-this-page|print|visually-hidden|sr-only"
    r"|screen-reader-text|hidden|advert|promo|page-dates|review-dates?|last-updated|signup"
    r"|ratings?|footer|masthead)(?:$|[\s_-])",
    re.I,
)
# Elements whose id is an anchor for their content, never a boilerplate marker.
_CONTENT_ID_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "section", "article"})
# Headings of boxes that survive without telling markup: their whole section is furniture.
_FURNITURE_HEADING = re.compile(
    r"^(on this page|contents|in this (section|article)|related (pages|links|content|information|"
    r"articles|topics)|see also|more (in this section|information)|was this (page|information) "
    r"(helpful|useful)|how helpful is this page|ratings?|share this( page)?|page feedback"
    r"|help us improve.*|you (may|might) also "
    r"(like|be interested in))\W*$",
    re.I,
)
_BLOCK_TAGS = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "table", "tbody", "thead", "tfoot",
    "section", "article", "main", "header", "blockquote", "pre", "figure", "figcaption",
    "caption", "h4", "h5", "h6", "address", "details", "summary", "hr", "td", "th",
}
# Blocks that make a table row more than a line of cells.
_ROW_BLOCKS = ("p", "div", "table", "ul", "ol", "h2", "h3")
_SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_LOOKS_LIKE_HTML = re.compile(
    r"<\s*(html|head|body|main|article|section|div|p|h[1-6]|title|table|ul|span)\b", re.I
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.-]+)", re.I)
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
_DATE = r"(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}|(?:\d{1,2}(?:st|nd|rd|th)?\s+)?[A-Za-z]+,?\s+\d{4})"
_LAST_REVIEWED = re.compile(r"(?:last reviewed|reviewed on|last updated)\s*(?:on)?\s*:?\s*" + _DATE, re.I)
_NEXT_REVIEW = re.compile(r"(?:next review(?: due)?|review due)\s*(?:on|by)?\s*:?\s*" + _DATE, re.I)
_DATE_LINE = re.compile(r"^\s*(page )?(last reviewed|next review|review due|last updated)", re.I)
_SPACE = re.compile(r"\s+")
_CRUMB_SEPARATOR = re.compile(r"\s*[>›»|/]\s*")


def clean_text(text: str) -> str:
    """Collapse all whitespace (including no-break spaces) to single spaces."""
    return _SPACE.sub(" ", text.replace("\xa0", " ")).strip()


def slugify(text: str) -> str:
    """Lower-case ASCII slug for headings without an id ("How is it treated?" -> how-is-it-treated)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or "section"


def parse_file(file_path: Path, root: Path) -> Page:
    """Parse one file of a corpus; `path` in the result is relative to `root`, POSIX style."""
    rel = PurePosixPath(file_path.relative_to(root).as_posix()).as_posix()
    try:
        data = file_path.read_bytes()
    except OSError as exc:
        raise ParseError(rel, f"cannot read file: {exc.strerror or exc}") from exc
    return parse_html(data, rel)


def parse_html(data: bytes, path: str) -> Page:
    """Turn the bytes of one HTML page into a Page with its sections (ParseError if it cannot
    be read or is over one of the limits)."""
    if len(data) > MAX_PAGE_BYTES:
        raise ParseError(path, f"page is {len(data):,} bytes, over the limit of {MAX_PAGE_BYTES:,}")
    try:
        with _time_limit(MAX_PARSE_SECONDS):
            return _parse(data, path)
    except _ParseTimeout:
        raise ParseError(path, f"took over {MAX_PARSE_SECONDS:g} s to parse (the limit)") from None


def _parse(data: bytes, path: str) -> Page:
    text = decode_html(data, path)
    try:
        soup = _DepthLimitedSoup(text, "lxml")
    except _TooDeep:
        raise ParseError(path, f"elements nested over {MAX_DEPTH} levels deep (the limit)") from None
    meta = extract_meta(soup, path)
    for tag in list(_tags(soup, _NEVER_CONTENT)):
        tag.decompose()
    root = find_content_root(soup)
    strip_furniture(root, _protected_ancestors(root))
    sections = split_sections(root, meta)
    page = Page(meta=meta, sections=sections, source_hash=bytes_hash(data))
    page.warnings += [f"section {s.anchor!r} cut at {MAX_SECTION_CHARS:,} characters (the limit)"
                      for s in sections if len(s.text) == MAX_SECTION_CHARS]
    if not sections:
        page.warnings.append("no readable text found")
        log.warning("%s: no readable text found", path)
    return page


class _TooDeep(Exception):
    """Raised while the tree is built, as soon as it grows deeper than MAX_DEPTH."""


class _ParseTimeout(Exception):
    """Raised by the alarm when a page takes longer than MAX_PARSE_SECONDS."""


class _DepthLimitedSoup(BeautifulSoup):
    """A BeautifulSoup that stops building at MAX_DEPTH open elements: 100,000 nested tags
    would take seconds to build and every later walk over them longer still."""

    def pushTag(self, tag: Tag) -> None:  # BeautifulSoup's name, called for each opened tag
        """Open one element (BeautifulSoup's hook), refusing to go deeper than the limit."""
        super().pushTag(tag)
        if len(self.tagStack) > MAX_DEPTH:
            raise _TooDeep()


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise _ParseTimeout after `seconds` of wall time, where an alarm is ours to use: in the
    main thread, with no other SIGALRM handler or timer (test runners use their own)."""
    usable = (threading.current_thread() is threading.main_thread()
              and signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
              and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0))
    if not usable:
        yield
        return

    expired = False

    def expire(_signum: int, _frame: object) -> None:
        nonlocal expired
        expired = True
        # lxml drops exceptions raised inside some of its callbacks: ring again until one escapes
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        raise _ParseTimeout()

    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
        if expired:
            raise _ParseTimeout()
    except Exception:
        if expired:  # whatever broke after the alarm, the alarm is the reason
            raise _ParseTimeout() from None
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def decode_html(data: bytes, path: str) -> str:
    """Decode page bytes: BOM, then UTF-8, then the declared charset, then Windows-1252."""
    if not data.strip():
        raise ParseError(path, "empty file")
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _require_html(data.decode(encoding, errors="replace"), path)
    if b"\x00" in data[:8192]:
        raise ParseError(path, "binary data, not an HTML page")
    # Valid UTF-8 is almost never anything else, so it wins over a (often wrong) declaration.
    try:
        return _require_html(data.decode("utf-8"), path)
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return _require_html(data.decode(declared.group(1).decode("ascii")), path)
        except (LookupError, UnicodeDecodeError):
            pass
    # Windows-1252 is what undeclared or mislabelled Western pages almost always are.
    return _require_html(data.decode("cp1252", errors="replace"), path)


def _require_html(text: str, path: str) -> str:
    if not _LOOKS_LIKE_HTML.search(text[:65536]):
        raise ParseError(path, "no HTML markup found (not an HTML page)")
    return text


def extract_meta(soup: BeautifulSoup, path: str) -> PageMeta:
    """Page-level metadata: title, h1, description, canonical URL, breadcrumb, topic, dates."""
    title = _page_title(soup)
    h1_tag = _main_h1(soup)
    h1 = clean_text(h1_tag.get_text(" ")) if h1_tag else ""
    breadcrumb = _breadcrumb(soup)
    body_text = clean_text(soup.get_text(" "))
    return PageMeta(
        path=path,
        url=_canonical_url(soup) or "/" + path,
        title=title or h1 or PurePosixPath(path).stem,
        h1=h1,
        description=_meta_content(soup, "description"),
        breadcrumb=breadcrumb,
        topic=_topic(breadcrumb, (title, h1), path),
        last_reviewed=_find_date(_LAST_REVIEWED, body_text) or _json_ld_date(soup),
        next_review_due=_find_date(_NEXT_REVIEW, body_text),
    )


def _tags(root: Tag, names: Collection[str] | None = None) -> Iterator[Tag]:
    """The elements under `root` in document order, only those named in `names` if given.
    A plain loop: BeautifulSoup's find() and find_all() ran its general matching machinery on
    every element and were a third of the parser's time."""
    for node in root.descendants:
        if isinstance(node, Tag) and (names is None or node.name in names):
            yield node


def _first_tag(root: Tag, name: str) -> Tag | None:
    """The first element called `name` under `root`, or None."""
    return next(_tags(root, (name,)), None)


def _first_main_role(root: Tag) -> Tag | None:
    """The first element under `root` marked role="main", or None."""
    return next((tag for tag in _tags(root) if tag.get("role") == "main"), None)


def _values(attribute: str | list[str] | None) -> list[str]:
    """A multi-valued attribute (rel, class) as a list, however the parser gave it."""
    if attribute is None:
        return []
    return attribute.split() if isinstance(attribute, str) else list(attribute)


def _page_title(soup: BeautifulSoup) -> str:
    title = _first_tag(soup, "title")
    raw = clean_text(title.get_text()) if title else ""
    # "Page | Section | Site": the first part is the page's own; "Page - Site": drop the last.
    # En dashes are left alone: titles use them in their own words ("Ki-67 – what it means").
    if " | " in raw:
        return raw.split(" | ")[0]
    return raw.rsplit(" - ", 1)[0] if " - " in raw else raw


def _main_h1(soup: BeautifulSoup) -> Tag | None:
    """The page's h1: inside main content if there is one (sites put logos in header h1s)."""
    for container in (_first_tag(soup, "main"), _first_main_role(soup), _first_tag(soup, "article")):
        h1 = _first_tag(container, "h1") if container else None
        if h1:
            return h1
    h1s = list(_tags(soup, ("h1",)))
    for h1 in h1s:
        if not any(parent.name in ("header", "nav") for parent in h1.parents):
            return h1
    return h1s[0] if h1s else None


def _meta_content(soup: BeautifulSoup, name: str) -> str:
    metas = list(_tags(soup, ("meta",)))
    tag = (next((m for m in metas if m.get("name") == name), None)
           or next((m for m in metas if m.get("property") == f"og:{name}"), None))
    return clean_text(tag.get("content", "")) if tag else ""


def _canonical_url(soup: BeautifulSoup) -> str:
    link = next((t for t in _tags(soup, ("link",)) if "canonical" in _values(t.get("rel"))), None)
    return link.get("href", "").strip() if link else ""


def _breadcrumb(soup: BeautifulSoup) -> tuple[str, ...]:
    trail = next((t for t in _tags(soup) if _is_breadcrumb(t)), None)
    if trail is None:
        return ()
    items = [clean_text(li.get_text(" ")) for li in _tags(trail, ("li",))]
    if not items:
        items = _CRUMB_SEPARATOR.split(clean_text(trail.get_text(" ")))
    return tuple(item for item in items if item)


def _is_breadcrumb(tag: Tag) -> bool:
    hints = " ".join([*tag.get("class", []), tag.get("id", ""), tag.get("aria-label", ""),
                      tag.get("itemtype", "")]).lower()
    return "breadcrumb" in hints or re.search(r"(?:^|[\s_-])crumbs(?:$|[\s_-])", hints) is not None


def _topic(breadcrumb: tuple[str, ...], own_names: tuple[str, str], path: str) -> str:
    """The area a page belongs to: the breadcrumb's parent of this page, else its folder."""
    names = {n.casefold() for n in own_names if n}
    trail = [c for c in breadcrumb if c.casefold() != "home"]
    if trail and (trail[-1].casefold() in names or (len(trail) > 1 and _same_page(trail[-1], names))):
        trail = trail[:-1]
    if trail:
        return trail[-1]
    folder = PurePosixPath(path).parent.name
    return folder.replace("-", " ").replace("_", " ").capitalize() if folder else ""


def _same_page(crumb: str, names: set[str]) -> bool:
    crumb = crumb.casefold()
    return any(crumb in n or n in crumb for n in names)


def _find_date(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return _iso_date(match.group(1)) if match else None


def _iso_date(raw: str) -> str | None:
    """'14 March 2025' -> '2025-03-14', 'March 2028' -> '2028-03'; None if not a date."""
    raw = raw.strip().replace(",", "")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return raw
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw):  # UK order: day/month/year
        return _safe_date(int(m[3]), int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([A-Za-z]+)\s+(\d{4})", raw):
        month = _MONTHS.get(m[2].lower()) or _MONTHS.get(_month_prefix(m[2]))
        if month is None:
            return None
        return _safe_date(int(m[3]), month, int(m[1])) if m[1] else f"{m[3]}-{month:02d}"
    return None


def _month_prefix(word: str) -> str:
    return next((m for m in _MONTHS if len(word) >= 3 and m.startswith(word.lower())), "")


def _safe_date(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _json_ld_date(soup: BeautifulSoup) -> str | None:
    for script in (t for t in _tags(soup, ("script",)) if t.get("type") == "application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (json.JSONDecodeError, TypeError):
            continue
        if isinstance(data, dict) and isinstance(data.get("lastReviewed"), str):
            return _iso_date(data["lastReviewed"]) or data["lastReviewed"][:10]
    return None


def find_content_root(soup: BeautifulSoup) -> Tag:
    """The element holding the page's own text: main, role=main, a lone article, else densest."""
    body = soup.body or soup
    weight = _own_text_weights(soup)
    total = weight[id(body)]
    candidates = [_first_tag(soup, "main"), _first_main_role(soup)]
    articles = list(_tags(soup, ("article",)))
    if len(articles) == 1:
        candidates.append(articles[0])
    for candidate in candidates:
        # A landmark that holds little of the page's text is a mislabelled fragment.
        if candidate is not None and weight[id(candidate)] >= 0.3 * total:
            return candidate
    return _densest_block(body)


def _own_text_weights(root: Tag) -> dict[int, int]:
    """Characters of text outside links for `root` and every element in it (by id), in one pass
    from the leaves up: link lists are menus, prose is content."""
    chars: dict[int, int] = {}
    linked: dict[int, int] = {}  # characters inside the outermost links below an element
    for tag in _bottom_up(root):
        chars[id(tag)] = linked[id(tag)] = 0
        for child in tag.children:
            if isinstance(child, Tag):
                chars[id(tag)] += chars[id(child)]
                linked[id(tag)] += chars[id(child)] if child.name == "a" else linked[id(child)]
            elif not isinstance(child, _SKIPPED_STRINGS):
                chars[id(tag)] += len(child.strip())
    in_link = _inside_links(root)
    return {key: chars[key] - (0 if key in in_link else linked[key]) for key in chars}


def _bottom_up(root: Tag) -> list[Tag]:
    """`root` and the elements in it, every element after all of its descendants."""
    tags = [node for node in root.descendants if isinstance(node, Tag)]
    return [*reversed(tags), root]


def _inside_links(root: Tag) -> set[int]:
    """Ids of `root`'s elements that are links or inside one (their inner links do not count as
    menus: only a page's outermost links do)."""
    in_link = root.name == "a" or any(parent.name == "a" for parent in root.parents)
    inside = {id(root)} if in_link else set()
    for node in root.descendants:
        if isinstance(node, Tag) and (node.name == "a" or id(node.parent) in inside):
            inside.add(id(node))
    return inside


def _densest_block(body: Tag) -> Tag:
    """Descend from <body> while one child holds 70% of the prose (layout tables, bare divs)."""
    strip_furniture(body, _protected_ancestors(body))
    weight = _own_text_weights(body)
    node, total = body, weight[id(body)]
    while total:
        heavy = [c for c in node.children if isinstance(c, Tag) and weight[id(c)] >= 0.7 * total]
        if not heavy:
            break
        node = heavy[0]
    return node


def _protected_ancestors(root: Tag) -> set[int]:
    """Elements that hold the page's h1 or are the root: never removed as furniture."""
    h1 = _first_tag(root, "h1")
    chain = [root, *(h1.parents if h1 else []), *([h1] if h1 else [])]
    return {id(tag) for tag in chain}


def strip_furniture(root: Tag, protected: set[int]) -> None:
    """Remove navigation, banners, crumbs, widgets, hidden text and date lines inside `root`."""
    # What each test needs from an element's subtree is found in one pass first: asking each
    # element for its text and its h1 made removal quadratic in nesting depth. An element is
    # tested before anything inside it is removed, so the answers stay true when it is tested.
    subtrees = _Subtrees(root)
    todo = [c for c in reversed(root.contents) if isinstance(c, Tag)]
    while todo:  # document order, not entering what was removed
        tag = todo.pop()
        if id(tag) not in protected and _is_furniture(tag, subtrees):
            tag.decompose()
        else:
            todo += [c for c in reversed(tag.contents) if isinstance(c, Tag)]


class _Subtrees:
    """Facts about every element's subtree, gathered from the leaves up in one pass: whether it
    holds an h1, and its text (as get_text(" ") gives it) when that is short."""

    SHORT = 200  # characters: the longest date line

    def __init__(self, root: Tag) -> None:
        self.with_h1: set[int] = set()
        self.short_text: dict[int, list[str]] = {}
        for tag in _bottom_up(root):
            if any(isinstance(c, Tag) and (c.name == "h1" or id(c) in self.with_h1) for c in tag.children):
                self.with_h1.add(id(tag))
            strings = self._strings(tag)
            if strings is not None:
                self.short_text[id(tag)] = strings

    def _strings(self, tag: Tag) -> list[str] | None:
        """The text strings in `tag`, None once they join to SHORT characters or more."""
        strings: list[str] = []
        size = -1  # the separators: one fewer than the strings
        for child in tag.children:
            if isinstance(child, Tag):
                more = self.short_text.get(id(child))
                if more is None:
                    return None
            elif type(child) in Tag.MAIN_CONTENT_STRING_TYPES:  # what get_text() reads
                more = [str(child)]
            else:
                continue
            strings += more
            size += sum(len(s) + 1 for s in more)
            if size >= self.SHORT:
                return None
        return strings

    def text(self, tag: Tag) -> str | None:
        """The element's text when shorter than SHORT characters, else None."""
        strings = self.short_text.get(id(tag))
        return None if strings is None else " ".join(strings)


def _is_furniture(tag: Tag, subtrees: _Subtrees) -> bool:
    if tag.name in _FURNITURE_TAGS or tag.get("role") in _FURNITURE_ROLES:
        return True
    if (tag.name == "header" or tag.get("id") == "header") and id(tag) not in subtrees.with_h1:
        return True
    if tag.has_attr("hidden") or tag.get("aria-hidden") == "true":
        return True
    if "display:none" in tag.get("style", "").replace(" ", "").lower():
        return True
    # A heading's or a section's id is usually a slug of its own title ("sharing-your-feelings",
    # "related-conditions"): it names content, so only its classes and label can mark furniture.
    own_id = "" if tag.name in _CONTENT_ID_TAGS else tag.get("id", "")
    hints = " ".join([*tag.get("class", []), own_id, tag.get("aria-label", "")])
    if hints.strip() and _FURNITURE_HINT.search(hints):
        return True
    # "Last reviewed" lines are metadata (already read), not part of the last section's text.
    if tag.name not in ("p", "div", "li", "span", "dd", "time"):
        return False
    text = subtrees.text(tag)
    return text is not None and _DATE_LINE.match(text) is not None


def split_sections(root: Tag, meta: PageMeta) -> list[Section]:
    """Cut the content at h2 and h3; text before the first heading is the introduction."""
    collector = _SectionCollector(intro_anchor=_intro_anchor(root))
    _walk(root, collector)
    return collector.finish(meta)


def _intro_anchor(root: Tag) -> str:
    h1 = _first_tag(root, "h1")
    # "top" needs no element: browsers scroll to the top of the page for #top.
    return (h1.get("id") if h1 else None) or root.get("id") or "top"


def _split_heading(heading: Tag) -> tuple[str, list[Tag]]:
    """A heading's title is its inline text; blocks inside it (an unclosed <h2> swallows the
    list after it, in browsers too) are section content, not heading."""
    inline: list[str] = []
    blocks: list[Tag] = []
    for child in heading.children:
        if isinstance(child, Tag) and (blocks or child.name in _BLOCK_TAGS or child.name in ("h2", "h3")):
            blocks.append(child)
        elif not blocks and not isinstance(child, _SKIPPED_STRINGS):
            inline.append(child.get_text(" ") if isinstance(child, Tag) else str(child))
    return clean_text("".join(inline)), blocks


_LINE_BREAK = object()  # a to-do item of the walk: end the line after a block's content


def _walk(node: Tag | BeautifulSoup, out: _SectionCollector) -> None:
    """Visit everything under `node` in document order, with a to-do stack rather than
    recursion (no RecursionError however deep the page)."""
    todo: list = list(reversed(list(node.children)))
    while todo:
        item = todo.pop()
        if item is _LINE_BREAK:
            out.line_break()
        else:
            todo.extend(reversed(_visit(item, out)))


def _visit(node: Tag | NavigableString, out: _SectionCollector) -> list:
    """Feed one node to the collector (text, a section heading, a table row, or a block);
    returns what to visit next in its place."""
    if isinstance(node, NavigableString):
        if not isinstance(node, _SKIPPED_STRINGS):
            out.add_text(str(node))
    elif not isinstance(node, Tag):
        pass
    elif node.name in ("h2", "h3") and clean_text(node.get_text(" ")):
        title, content = _split_heading(node)
        if title:
            out.start_section(node, title)
        return content
    elif node.name in ("h1", "br"):
        out.line_break()  # the h1 is the page title, already in the metadata
    elif node.name == "tr" and next(_tags(node, _ROW_BLOCKS), None) is None:
        # A data row reads as one line with its cells kept apart.
        cells = [clean_text(c.get_text(" ")) for c in _tags(node, ("td", "th"))]
        out.add_line(" | ".join(c for c in cells if c))
    elif node.name in _BLOCK_TAGS or node.name == "tr":
        out.line_break()
        return [*node.children, _LINE_BREAK]
    else:
        return list(node.children)
    return []


class _SectionCollector:
    """Accumulates lines under the current heading while the content tree is walked."""

    def __init__(self, intro_anchor: str) -> None:
        self.intro_anchor = intro_anchor
        self.parts: list[tuple[Tag | None, str, list[str]]] = [(None, "", [])]
        self.buffer: list[str] = []

    def add_text(self, text: str) -> None:
        """Inline text, joined with its neighbours until the next line break."""
        self.buffer.append(text)

    def add_line(self, line: str) -> None:
        """A whole line (a table row) of the current section."""
        self.line_break()
        if line:
            self.parts[-1][2].append(line)

    def line_break(self) -> None:
        """End the current line (block elements, <br>)."""
        line = clean_text("".join(self.buffer))
        self.buffer.clear()
        if line:
            self.parts[-1][2].append(line)

    def start_section(self, heading: Tag, title: str) -> None:
        """A new section starts at this heading."""
        self.line_break()
        self.parts.append((heading, title, []))

    def finish(self, meta: PageMeta) -> list[Section]:
        """The sections collected, with anchors, heading paths and positions."""
        self.line_break()
        used: dict[str, int] = {}
        sections: list[Section] = []
        h1 = meta.h1 or meta.title
        current_h2 = ""
        for heading, title, lines in self.parts:
            level = int(heading.name[1]) if heading else 1
            if _FURNITURE_HEADING.match(title):
                continue
            if level == 2:
                current_h2 = title
            if not lines:
                continue
            anchor = _unique(_anchor_for(heading) if heading else self.intro_anchor, used)
            path = (h1,) if heading is None else (h1, title) if level == 2 or not current_h2 \
                else (h1, current_h2, title)
            sections.append(Section(page=meta, anchor=anchor, heading=title or h1,
                                    heading_path=tuple(p for p in path if p), level=level,
                                    position=len(sections),
                                    text="\n".join(lines)[:MAX_SECTION_CHARS]))
        return sections


def _anchor_for(heading: Tag) -> str:
    """The heading's id, an id just inside it, its <section>'s id, else a slug of its text."""
    if heading.get("id"):
        return heading["id"]
    inner = next((t for t in _tags(heading) if t.get("id") or t.get("name")), None)
    if inner is not None:
        return inner.get("id") or inner.get("name")
    wrapper = next((parent for parent in heading.parents if parent.name == "section"), None)
    if wrapper is not None and wrapper.get("id") and next(_tags(wrapper, ("h2", "h3")), None) is heading:
        return wrapper["id"]
    return slugify(_split_heading(heading)[0])


def _unique(anchor: str, used: dict[str, int]) -> str:
    """`anchor`, or `anchor-2`, `-3`... if taken. `used` maps each anchor given out to the next
    number to try after it, so 20,000 equal ids cost 20,000 steps, not 200 million."""
    candidate, n = anchor, used.get(anchor, 2)
    if candidate in used:
        candidate = f"{anchor}-{n}"
        while candidate in used:
            n += 1
            candidate = f"{anchor}-{n}"
        used[anchor] = n + 1
    used.setdefault(candidate, 2)
    return candidate
