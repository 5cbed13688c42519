"""The content review report on the sample site's own dates: bands, order by use, CSV, JSON, sign-in."""
import csv
import io
from datetime import date
from pathlib import Path

import pytest
from conftest import EDITOR, PASSWORD, sign_in
from sitegen import page_html, write_corpus

from indexer.build import build_index
from webapp import create_app
from webapp.review import due_window

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
# The sample site's pages whose "Next review due" month has ended by 15 October 2027.
OVERDUE_ON_15_OCTOBER_2027 = {
    "stomach-cancer/about.html",                                  # June 2025
    "lung-cancer/about.html",                                     # September 2026 (older template)
    "neuroendocrine-cancer/research-and-clinical-trials.html",    # December 2026
    "neuroendocrine-cancer/grades-and-stages.html",               # May 2027
    "neuroendocrine-cancer/neuroendocrine-carcinoma.html",        # August 2027
    "pancreatic-cancer/diagnosis-and-treatment.html",             # August 2027
    "stomach-cancer/survival-and-living-with.html",               # August 2027
    "neuroendocrine-cancer/diagnosis-questions-to-ask.html",      # September 2027
    "neuroendocrine-cancer/targeted-drugs-and-chemotherapy.html",  # September 2027
}
DUE_IN_OCTOBER_2027 = {"breast-cancer/survival-and-living-with.html",
                       "lung-cancer/diagnosis-and-treatment.html", "neuroendocrine-cancer/appendix-nets.html"}
DUE_IN_NOVEMBER_2027 = {"bowel-cancer/diagnosis-and-treatment.html", "neuroendocrine-cancer/lung-nets.html",
                        "neuroendocrine-cancer/getting-diagnosed.html", "neuroendocrine-cancer/surgery.html",
                        "stomach-cancer/diagnosis-and-treatment.html", "stomach-cancer/symptoms.html"}


def make_app(index: Path, corpus: Path, today: str, insights: str | None = None):
    """The real app over an index, with "today" fixed the one way the report allows."""
    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(index), "SEARCH_CORPUS_DIR": str(corpus),
                      "SEARCH_INSIGHTS_DB": insights if insights is not None else str(index.parent / "in.db"),
                      "SEARCH_EDITORS_DB": str(index.parent / "editors.sqlite3"), "SEARCH_RATE_LIMIT": "",
                      "SEARCH_REVIEW_TODAY": today})
    app.extensions["editors"].add(EDITOR, PASSWORD)
    return app


def signed_in(app):
    client = app.test_client()
    assert sign_in(client).status_code == 302
    return client


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("review-sample") / "index"
    build_index(CORPUS, index, workers=1, semantic=False)
    return index


@pytest.fixture(scope="module")
def sample_app(sample_index):
    return make_app(sample_index, CORPUS, "2027-10-15")


def paths(band: dict) -> set[str]:
    return {row["path"] for row in band["pages"]}


def test_the_sample_sites_pages_fall_in_bands_by_their_stated_dates(sample_app):
    data = signed_in(sample_app).get("/api/editors/review").get_json()
    assert data["today"] == "2027-10-15" and data["within"] == 30
    overdue, soon = data["bands"]
    assert (overdue["band"], soon["band"]) == ("overdue", "due-30")
    assert paths(overdue) == OVERDUE_ON_15_OCTOBER_2027
    # due "October 2027": due now, not late until October ends; November's are in the next 30 days
    assert paths(soon) == DUE_IN_OCTOBER_2027 | DUE_IN_NOVEMBER_2027
    assert {r["days"] for r in soon["pages"] if r["path"] in DUE_IN_OCTOBER_2027} == {0}
    assert {r["days"] for r in soon["pages"] if r["path"] in DUE_IN_NOVEMBER_2027} == {17}
    late = {r["path"]: r for r in overdue["pages"]}
    assert late["stomach-cancer/about.html"]["days"] == -(date(2027, 10, 15) - date(2025, 6, 30)).days
    assert late["stomach-cancer/about.html"]["last_reviewed"] == "2022-06-02"
    assert data["no_review_date"] == []  # every sample page states one
    assert data["later"] == 54 - len(OVERDUE_ON_15_OCTOBER_2027) - len(soon["pages"])


def test_ninety_days_adds_a_band_and_a_full_date_counts_to_the_day(sample_index):
    client = signed_in(make_app(sample_index, CORPUS, "2027-12-17"))
    # scans-and-biopsy.html is the one page due on a day (17 January 2028): 31 days away
    bands = {b["band"]: b for b in client.get("/api/editors/review?within=90").get_json()["bands"]}
    assert list(bands) == ["overdue", "due-30", "due-90"]
    assert "neuroendocrine-cancer/scans-and-biopsy.html" in paths(bands["due-90"])
    assert all(r["days"] > 30 for r in bands["due-90"]["pages"])
    tomorrow = signed_in(make_app(sample_index, CORPUS, "2027-12-18")).get("/api/editors/review").get_json()
    row = next(r for r in tomorrow["bands"][1]["pages"] if r["path"].endswith("scans-and-biopsy.html"))
    assert (row["days"], row["due_by"]) == (30, "2028-01-17")


def test_the_most_opened_pages_come_first_and_the_measure_is_named(sample_app):
    client = signed_in(sample_app)
    opened = [("stomach symptoms", "stomach-cancer/survival-and-living-with.html#support"),
              ("Stomach symptoms", "stomach-cancer/survival-and-living-with.html#support"),
              ("eating after surgery", "stomach-cancer/survival-and-living-with.html#support"),
              ("carcinoma", "neuroendocrine-cancer/neuroendocrine-carcinoma.html#support")]
    for query, key in opened:
        assert client.get("/open", query_string={"q": query, "key": key}).status_code == 302
    sample_app.extensions["insights"].flush()
    data = client.get("/api/editors/review?topic=").get_json()
    overdue = data["bands"][0]["pages"]
    assert [r["path"] for r in overdue[:2]] == ["stomach-cancer/survival-and-living-with.html",
                                                "neuroendocrine-cancer/neuroendocrine-carcinoma.html"]
    assert (overdue[0]["opened_from_search"], overdue[0]["different_searches"]) == (3, 2)
    assert overdue[2]["opened_from_search"] == 0
    # the rest by how long they have waited: the oldest due date first
    assert [r["due_by"] for r in overdue[2:]] == sorted(r["due_by"] for r in overdue[2:])
    assert "Opened from search" in data["measure"] and "90 days" in data["measure"]
    html = client.get("/editors/review").get_data(as_text=True)
    assert "Opened from search" in html and "3 <span" in html and "2 different searches" in html
    most_opened = html.index("stomach-cancer/survival-and-living-with.html")
    assert most_opened < html.index("stomach-cancer/about.html")


def test_the_topic_filter_and_the_html_page(sample_app):
    client = signed_in(sample_app)
    query = {"topic": "Stomach cancer", "within": "90"}
    data = client.get("/api/editors/review", query_string=query).get_json()
    assert "Stomach cancer" in data["topics"] and len(data["topics"]) == 7
    listed = {row["topic"] for band in data["bands"] for row in band["pages"]}
    assert listed == {"Stomach cancer"}
    html = client.get("/editors/review?topic=Stomach+cancer&within=90").get_data(as_text=True)
    assert "<h2>Overdue (2)</h2>" in html and "<h2>No review date (0)</h2>" in html
    assert '<option value="90" selected>' in html and "<option selected>Stomach cancer</option>" in html
    assert "Neuroendocrine" not in html.split("<h2>Overdue")[1].split("</table>")[0]
    assert "837 days late" in html  # stomach-cancer/about.html, due by 30 June 2025


def test_csv_has_a_row_per_page_with_its_band(sample_app):
    response = signed_in(sample_app).get("/editors/review.csv?within=90")
    assert response.mimetype == "text/csv"
    assert "attachment; filename=content-review.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == ["band", "path", "title", "topic", "last_reviewed", "next_review_due", "due_by",
                             "days", "opened_from_search", "different_searches", "url"]
    overdue = {r["path"] for r in rows if r["band"] == "Overdue"}
    assert overdue == OVERDUE_ON_15_OCTOBER_2027
    about = next(r for r in rows if r["path"] == "stomach-cancer/about.html")
    assert (about["next_review_due"], about["due_by"], about["topic"]) == ("2025-06", "2025-06-30",
                                                                         "Stomach cancer")
    assert about["url"].startswith("https://www.lanterncancercare.org.uk/")
    assert about["days"] == "-837"  # a number stays a number (only text is kept from being a formula)
    assert {r["band"] for r in rows} == {"Overdue", "Due in the next 30 days", "Due in 31 to 90 days"}


def test_bad_parameters_get_the_one_error_shape(sample_app):
    client = signed_in(sample_app)
    for within in ("45", "abc", "%C2%B2"):
        response = client.get(f"/api/editors/review?within={within}")
        assert response.status_code == 400
        assert set(response.get_json()["error"]) == {"status", "message"}
    assert client.get("/editors/review?within=7").status_code == 400


def test_nobody_but_a_signed_in_editor_sees_the_report(sample_app):
    client = sample_app.test_client()
    response = client.get("/api/editors/review")
    assert response.status_code == 401
    assert response.get_json() == {"error": {"status": 401,
                                             "message": "Sign in as an editor at /editors/login first."}}
    for page in ("/editors/review", "/editors/review.csv?within=90"):
        response = client.get(page)
        assert response.status_code == 302 and "/editors/login" in response.headers["Location"]
        assert "Overdue" not in response.get_data(as_text=True)


def dated_page(title: str, line: str) -> str:
    return page_html(title, {"About": f"Some words about {title.lower()}."}).replace(
        "<p>Last reviewed: 1 May 2025</p>", f"<p>Last reviewed: 1 May 2025</p><p>{line}</p>")


def test_dates_as_pages_write_them_and_pages_without_one(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {
        "a.html": dated_page("Day first", "Next review due: 3 March 2027"),
        "b.html": dated_page("Numbers", "Review due by 14/02/2027"),
        "c.html": dated_page("Month only", "Next review due: Feb 2027"),
        "d.html": dated_page("Not a date", "Next review due: when we can"),
        "e.html": page_html("No line", {"About": "Nothing about reviews here."}),
    })
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    data = signed_in(make_app(tmp_path / "index", corpus, "2027-02-10")).get("/api/editors/review").get_json()
    soon = {r["path"]: (r["next_review_due"], r["days"]) for r in data["bands"][1]["pages"]}
    assert soon == {"a.html": ("2027-03-03", 21), "b.html": ("2027-02-14", 4), "c.html": ("2027-02", 0)}
    assert [(r["path"], r["last_reviewed"]) for r in data["no_review_date"]] == [
        ("d.html", "2025-05-01"), ("e.html", "2025-05-01")]


def test_a_new_build_changes_the_report_without_a_restart(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {
        "a.html": dated_page("Alpha", "Next review due: January 2027"),
        "b.html": dated_page("Beta", "Next review due: January 2027")})
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    client = signed_in(make_app(tmp_path / "index", corpus, "2027-03-01", insights=""))
    before = client.get("/api/editors/review").get_json()
    assert paths(before["bands"][0]) == {"a.html", "b.html"}
    assert before["bands"][0]["pages"][0]["opened_from_search"] is None  # insights off: no count, not 0
    assert "switched off" in before["measure"]
    html = client.get("/editors/review").get_data(as_text=True)
    assert '<td data-label="Opened from search">—</td>' in html
    (corpus / "a.html").unlink()
    write_corpus(corpus, {"b.html": dated_page("Beta", "Next review due: March 2029")})
    build_index(corpus, tmp_path / "index", workers=1, semantic=False)
    after = client.get("/api/editors/review").get_json()
    assert paths(after["bands"][0]) == set() and after["later"] == 1  # a.html's sections are gone


def test_today_is_set_only_by_configuration(sample_index, tmp_path):
    client = signed_in(make_app(sample_index, CORPUS, ""))
    assert client.get("/api/editors/review?today=2020-01-01").get_json()["today"] == date.today().isoformat()
    with pytest.raises(ValueError, match="SEARCH_REVIEW_TODAY"):
        make_app(sample_index, CORPUS, "15/10/2027")


@pytest.mark.parametrize("stored, window", [
    ("2027-03-14", (date(2027, 3, 14), date(2027, 3, 14))),
    ("2028-02", (date(2028, 2, 1), date(2028, 2, 29))),  # a leap year's February
    ("2027-02", (date(2027, 2, 1), date(2027, 2, 28))),
    (" 2027-12 ", (date(2027, 12, 1), date(2027, 12, 31))),
    ("2027-13", None), ("2027-02-30", None), ("March 2027", None), ("", None), (None, None),
])
def test_due_window_reads_what_the_parser_stores(stored, window):
    assert due_window(stored) == window
