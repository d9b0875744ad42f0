"""Forms read and sent as a browser does, for tests that use the pages as a person does."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode


class _Forms(HTMLParser):
    """The forms of a page as a browser sees them: method, action, the values it would send
    (each select's chosen option) and each select's options in order."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            method = found.get("method", "get").lower()
            self.forms.append({"method": method, "action": found.get("action", ""), "values": {}})
            self.forms[-1]["options"] = {}
        elif not self.forms:
            return
        elif tag == "input" and found.get("name") and found.get("type") != "submit":
            self.forms[-1]["values"][found["name"]] = found.get("value", "")
        elif tag == "select" and found.get("name"):
            self._select = found["name"]
            self.forms[-1]["options"][self._select] = []
        elif tag == "option" and self._select is not None:
            form = self.forms[-1]
            form["options"][self._select].append(found.get("value", ""))
            if "selected" in found or self._select not in form["values"]:
                form["values"][self._select] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def forms_of(html: str, action: str, method: str | None = None) -> list[dict]:
    """The forms of a page sent to `action` (by `method`)."""
    parser = _Forms()
    parser.feed(html)
    return [
        form
        for form in parser.forms
        if form["action"] == action and method in (None, form["method"])
    ]


def submit(client: Any, form: dict, at: str = "", **changes: Any) -> Any:
    """Send a form as its page (at `at`) shows it, with `changes` chosen in it."""
    values = {**form["values"], **{name: str(value) for name, value in changes.items()}}
    action = form["action"] or at
    if form["method"] == "get":
        return client.get(f"{action}?{urlencode(values)}")
    return client.post(action, data=values)
