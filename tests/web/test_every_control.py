"""Every control of every page works, for every role: a crawl of the demo world.

For each role the crawl starts at the home page and follows every link inside the site that the
pages themselves produce, query strings included; on each page it submits every GET form (the
filters and selectors) once with each option each of its selects offers (an even spread of
eight, first and last included, for a longer select). Nothing is listed by hand: a selector
added tomorrow is tried tomorrow. It asserts no 5xx, that links the site makes are not broken,
and that a page asked for an option shows that option chosen.

POST forms (which change data) are covered by tests/web/test_hostile_forms.py and the access
matrix; this crawl only reads.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from flask import Flask

from learning.db import get_database
from learning.demo import seed as demo
from tests.conftest import Client, separate_database
from tests.live import demo_app

pytestmark = pytest.mark.long  # handed out early (tests/conftest.py)

PAGES_PER_ROLE = 220
SAME_ROUTE = 2  # pages of one route with different ids: enough to see a route work
OPTIONS_PER_SELECT = 8
SKIPPED = re.compile(r"^/(static|vendor)/|/file$|poster\.png$|\.png$")  # media, not pages


class _Page(HTMLParser):
    """The links and the GET forms of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._select: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        elif tag == "form":
            self.forms.append(
                {
                    "method": values.get("method", "get").lower(),
                    "action": values.get("action", ""),
                    "fixed": [],
                    "selects": {},
                }
            )
        elif not self.forms:
            return
        elif tag == "input" and values.get("name") and values.get("type") not in ("submit",):
            if values.get("type") in ("checkbox", "radio") and "checked" not in values:
                return
            self.forms[-1]["fixed"].append((values["name"], values.get("value", "")))
        elif tag == "select" and values.get("name"):
            self._select = {"name": values["name"], "options": []}
            self.forms[-1]["selects"][values["name"]] = self._select["options"]
        elif tag == "option" and self._select is not None:
            self._select["options"].append((values.get("value", ""), "selected" in values))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _route(url: str) -> str:
    """The route a URL is of: ids and dates replaced, the query's names kept."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+", "/#", parts.path)
    names = sorted({name for name, _value in parse_qsl(parts.query)})
    return f"{path}?{'&'.join(names)}"


def _inside(url: str) -> bool:
    parts = urlsplit(url)
    return (
        not parts.scheme
        and not parts.netloc
        and url.startswith("/")
        and not SKIPPED.search(parts.path)
    )


@pytest.fixture(scope="module")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    folder: Path = tmp_path_factory.mktemp("every_control")
    with separate_database(folder, "every") as database_url:
        app = demo_app(folder, database_url, trainee_count=6, history_days=4)
        app.test_client_class = Client
        yield app
        get_database(app).dispose()


def _selected(html: str, name: str) -> str | None:
    """The option chosen in the select `name` of a page, if it has one."""
    page = _Page()
    page.feed(html)
    for form in page.forms:
        options = form["selects"].get(name)
        if options:
            chosen = [value for value, selected in options if selected]
            return chosen[0] if chosen else options[0][0]
    return None


def _crawl(client: Client) -> list[str]:
    """Visit what the role can reach; the problems found, as lines."""
    problems: list[str] = []
    queue, seen, per_route = deque(["/"]), {"/"}, Counter()
    visited = 0
    while queue and visited < PAGES_PER_ROLE:
        url = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
            continue
        if response.status_code in (301, 302, 303):
            target = response.headers["Location"]
            target = urlsplit(target)._replace(scheme="", netloc="").geturl()
            if target not in seen and _inside(target):
                seen.add(target)
                queue.append(target)
            continue
        if response.status_code >= 400:
            problems.append(f"{url}: a link of the site answers {response.status_code}")
            continue
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        problems += _choice_not_shown(url, html)
        page = _Page()
        page.feed(html)
        asked = [urljoin(url, href) for href in page.links]
        asked += [query for form in page.forms for query in _submissions(url, form)]
        for target in asked:
            target = urlsplit(target)._replace(scheme="", netloc="", fragment="").geturl()
            if target in seen or not _inside(target):
                continue
            seen.add(target)
            if per_route[_route(target)] >= (
                OPTIONS_PER_SELECT if _is_choice(target) else SAME_ROUTE
            ):
                continue
            per_route[_route(target)] += 1
            queue.append(target)
    return problems


def _submissions(url: str, form: dict) -> list[str]:
    """A GET form submitted with each option of each of its selects, the rest as it stands."""
    if form["method"] != "get":
        return []
    action = urljoin(url, form["action"] or url).split("?")[0]
    base = dict(form["fixed"])
    for name, options in form["selects"].items():
        chosen = [value for value, selected in options if selected]
        base.setdefault(name, chosen[0] if chosen else (options[0][0] if options else ""))
    queries = [f"{action}?{urlencode(base)}"]
    for name, options in form["selects"].items():
        queries += [f"{action}?{urlencode({**base, name: value})}" for value, _s in _tried(options)]
    return queries


def _tried(options: list) -> list:
    """Every option of a select; of a long one (a class's 109 videos), an even spread that
    includes the first and the last, so the crawl stays within the suite's time."""
    if len(options) <= OPTIONS_PER_SELECT:
        return options
    step = (len(options) - 1) / (OPTIONS_PER_SELECT - 1)
    return [options[round(index * step)] for index in range(OPTIONS_PER_SELECT)]


def _is_choice(url: str) -> bool:
    """A URL a form's selector made (each option is tried, whatever the route)."""
    return bool(urlsplit(url).query)


def _choice_not_shown(url: str, html: str) -> list[str]:
    """A page asked for one option of a selector shows that option chosen, or says on that
    field why it cannot (an option of another page's selector, such as another class's
    programme)."""
    problems = []
    for name, value in parse_qsl(urlsplit(url).query):
        shown = _selected(html, name)
        if shown is not None and value and shown != value and not _refused_on(html, name):
            problems.append(f"{url}: asked {name}={value}, the page shows {shown}")
    return problems


def _refused_on(html: str, name: str) -> bool:
    field = re.search(rf'<div class="field has-error">(?:(?!</div>).)*name="{name}"', html, re.S)
    return field is not None


def _as(app: Flask, username: str | None) -> Client:
    client: Client = app.test_client()  # type: ignore[assignment]
    if username is not None:
        assert client.log_in(username, demo.DEMO_PASSWORD).status_code == 303
    return client


@pytest.mark.parametrize("username", ["trainee01", "teacher1", "admin", None])
def test_every_page_and_selector_a_role_reaches_works(demo_world: Flask, username) -> None:
    problems = _crawl(_as(demo_world, username))
    assert problems == [], "\n".join(problems[:30])
