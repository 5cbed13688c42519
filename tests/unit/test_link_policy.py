"""Link policy: only http(s) on the site's own hosts, or a path on this site."""
import pytest

from webapp.links import is_safe_url, site_hosts

HOSTS = site_hosts("www.lanterncancercare.org.uk, Lantern.example")


@pytest.mark.parametrize("url", [
    "https://www.lanterncancercare.org.uk/about-cancer/net",
    "http://lantern.example/a?b=c#d",
    "HTTPS://WWW.LANTERNCANCERCARE.ORG.UK/x",
    "https://www.lanterncancercare.org.uk:443/x",
    "/net/about.html",
])
def test_own_links_are_kept(url):
    assert is_safe_url(url, HOSTS)


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox", "ftp://www.lanterncancercare.org.uk/x",
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "https://www.lanterncancercare.org.uk.evil.example/",
    "https://user:pw@www.lanterncancercare.org.uk/", "https://evil.example@www.lanterncancercare.org.uk/",
    "https://www.lanterncancercare.org.uk:99999/", "https://[::1/", "", "net/about.html", "#top",
])
def test_everything_else_is_refused(url):
    assert not is_safe_url(url, HOSTS)


def test_hosts_setting_reads_lists_and_strings():
    assert site_hosts(["A.example ", "b.example."]) == {"a.example", "b.example"}
    assert site_hosts("") == frozenset()
