"""URL converters: `<int:...>` in every rule matches only ids a key column can hold.

Without the bound, `/enrolments/99999999999999999999` reached the database, which refused the
number (an error, not a 404). Registered before any rule is added (`create_app`).
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

from learning.models.base import MAX_ID


class IdConverter(IntegerConverter):
    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
