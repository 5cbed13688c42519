"""HTML pages for visitors (/search) and helpline nurses (/ask), plus the demo's page copies."""
from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.security import safe_join

from indexer.files import is_servable
from webapp import display, sitecopy
from webapp.api import ASK_ALTERNATIVES, insights, log_search, run_search, service, site_hosts
from webapp.links import page_link
from webapp.params import search_request
from webapp.search import SearchUnavailable

bp = Blueprint("views", __name__)
# The home page's common questions: each is a link to its search (edit to suit the site).
COMMON_QUESTIONS = (
    "What is a neuroendocrine tumour (NET)?",
    "What are the symptoms of carcinoid syndrome?",
    "How is bowel cancer diagnosed?",
    "Coping with tiredness during treatment",
    "What happens at a follow-up appointment?",
    "Eating well during and after treatment",
)
# Shown when a search finds nothing: broad words that always find something useful.
FALLBACK_SEARCHES = ("symptoms", "treatment", "side effects", "coping with cancer", "tests and scans")


@bp.app_template_global()
def open_link(query: str, path: str, anchor: str, url: str) -> str:
    """A result link that records the open for the editors' insights, then redirects."""
    if insights() is None:
        return link_for(path, anchor, url)
    return url_for("views.open_result", q=query, key=f"{path}#{anchor}")


@bp.app_template_global()
def link_for(path: str, anchor: str, url: str) -> str:
    """Where a result links: the local copy under /pages/ in the demo (or when the page's own URL
    is not on the site's hosts), else the page's own URL."""
    return page_link(path, anchor, url, site_hosts(), local=current_app.config["SEARCH_LOCAL_LINKS"])


@bp.app_template_global()
def section_title(page_title: str, heading: str) -> str:
    """A result's title: its page and section, joined so they read as one."""
    return display.section_title(page_title, heading)


@bp.app_template_global()
def deep_links(hit) -> list:
    """A result's further sections worth showing (not its own title, not site boilerplate)."""
    return display.worth_linking(hit, _boilerplate_headings())


@bp.get("/")
def home():
    """The home page: the search box, popular topics, common questions and the helpline."""
    return render_template("home.html", response=None, topics=_topics(), questions=COMMON_QUESTIONS)


@bp.get("/search")
def search():
    """Results page; `partial=1` returns only the results block (for as-you-type updates)."""
    req = search_request(request.args)
    if not req.text.strip():
        return render_template("search.html", response=None, topics=_topics())
    response = run_search(req)
    _log_unless_typing(response, "search")
    template = "_results.html" if request.args.get("partial") else "search.html"
    return _rendered(response, template, lambda: render_template(
        template, response=response, topics=_topics(), fallbacks=FALLBACK_SEARCHES))


@bp.get("/ask")
def ask():
    """The nurses' page: the best passage in full, alternatives one key press away;
    `pick=N` opens answer N instead (how a card is chosen without JavaScript)."""
    req = search_request(request.args, default_limit=1 + ASK_ALTERNATIVES)
    response = run_search(req, full_passages=True, group_pages=False) if req.text.strip() else None
    if response is not None:
        _log_unless_typing(response, "ask")
    pick = request.args.get("pick", 1, type=int)
    template = "_answers.html" if request.args.get("partial") else "ask.html"
    render = lambda: render_template(template, response=response, pick=pick)  # noqa: E731
    return render() if response is None else _rendered(response, (template, pick), render)


def _rendered(response, form, render) -> str:
    """A search's page, rendered once per cached response (see cache.RenderedPages)."""
    return current_app.extensions["rendered"].page(response, form, render)


@bp.get("/pages/<path:path>")
def corpus_page(path: str):
    """A corpus page, so deep links work in the local demo: only what the indexer would read
    (regular HTML files inside the corpus, never through a symlink or a hidden folder)."""
    root = Path(current_app.config["SEARCH_CORPUS_DIR"]).resolve()
    if not is_servable(root, path):
        abort(404, description="Only the site's HTML pages are served here.")
    return _site_copy(root, path)


@bp.get("/pages/static/<path:path>")
def corpus_asset(path: str):
    """The copied site's own styles, scripts and images (its pages' /static/ is rewritten here)."""
    root = Path(current_app.config["SEARCH_CORPUS_DIR"]).resolve() / "static"
    return send_from_directory(root, path, max_age=3600)


@bp.get("/favicon.ico")
def favicon():
    """The site icon browsers ask for on every page."""
    return send_from_directory(Path(current_app.static_folder), "favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)


@bp.get("/opensearch.xml")
def opensearch():
    """OpenSearch description, so browsers can add the site search."""
    # Never the request's Host header: a forged Host would be written into a cached document.
    xml = render_template("opensearch.xml", base=current_app.config["SEARCH_PUBLIC_URL"].rstrip("/"),
                          short_name=display.short_name(current_app.config["SEARCH_SITE_NAME"]))
    return Response(xml, mimetype="application/opensearchdescription+xml")


@bp.get("/healthz")
def healthz():
    """For load balancers: 200 with the index's size and build time, 503 when it cannot serve."""
    status = service().status()
    return jsonify({"status": "ok", **status})


@bp.get("/open")
def open_result():
    """Record that a result was opened, then go to it (only to sections that exist: no open redirect)."""
    fields = service().section(request.args.get("key", ""))
    if fields is None:
        abort(404, description="That result is no longer in the index.")
    log = insights()
    if log is not None:
        log.record_open(request.args.get("q", ""), fields["key"])
    return redirect(link_for(fields["path"], fields["anchor"], fields["url"]))


def _site_copy(root: Path, path: str) -> Response:
    """A copied page as the site shows it: assets from /pages/static/, no outside trackers."""
    file = safe_join(str(root), path)
    if file is None or not Path(file).is_file():
        abort(404, description="That page is not in the site copy.")
    return Response(sitecopy.rewrite_page(Path(file).read_bytes()), mimetype="text/html")


def _log_unless_typing(response, source: str) -> None:
    """As-you-type requests are logged only once typing has settled, not for every keystroke;
    a page past the last one ("page=999") is not a search that failed, so it is not logged."""
    if response.page > response.pages:
        return
    if not request.args.get("partial") or request.args.get("settled"):
        log_search(response, source)


def _boilerplate_headings() -> frozenset[str]:
    """Headings on so many pages that they are site furniture (worked out by the build); read
    once per request, as every result on the page asks."""
    if "boilerplate_headings" not in g:
        try:
            info = service().index.latest().generation.info
            g.boilerplate_headings = frozenset(info.get("boilerplate_headings", ()))
        except SearchUnavailable:
            g.boilerplate_headings = frozenset()
    return g.boilerplate_headings


def _topics() -> list[str]:
    try:
        return service().topics()
    except SearchUnavailable:
        return []
