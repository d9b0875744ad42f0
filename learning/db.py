"""One database session per request, opened lazily; the request's transaction begins as a
writer (SQLite `BEGIN IMMEDIATE`) unless the method is a safe one. The engine and its writer
lock live in `learning.database`, which knows nothing of Flask.

The request owns the transaction: it is committed once, after a successful response (below
400), and otherwise rolled back when the session closes. A view that shows a refusal on a page
(a 200 with the form again) rolls back first, through `learning.web.refusals`, so nothing a
refused service call wrote is ever committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from sqlalchemy.orm import Session

from learning.database import WRITING, Database, writing

__all__ = ["Database", "get_database", "get_session", "init_app", "writing"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SMALL_BODY_BYTES = 64 * 1024
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
View = TypeVar("View", bound=Callable[..., Any])


def writes_on_get(view: View) -> View:
    """Mark a GET view that writes (a record of what was served): its request's transaction
    begins as a writer, like a POST's."""
    view.writes_on_get = True  # type: ignore[attr-defined]
    return view


def writes_itself(view: View) -> View:
    """Mark a POST view that begins its writing transactions itself (the heartbeat): its
    request begins as a reader, so whatever it reads outside them (the user's language, for a
    refusal's words) never waits for or holds SQLite's one writer's lock; the view writes
    within `writing()` or on a driver connection of its own (`Database.driver_transaction`)."""
    view.writes_itself = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask, database: Database) -> None:
    app.extensions["database"] = database
    app.before_request(_mark_writing_request)
    app.after_request(_commit_request)
    app.teardown_request(_unmark_writing_request)
    app.teardown_appcontext(_close_session)


def _mark_writing_request() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method not in SAFE_METHODS:
        _read_small_body()
    if getattr(view, "writes_itself", False):
        return
    if request.method not in SAFE_METHODS or getattr(view, "writes_on_get", False):
        g.writing_token = WRITING.set(True)


def _read_small_body() -> None:
    """Read a small body (a beat, any JSON) whole before the request can begin its transaction.
    Otherwise a request that meets the database first (who the user is) holds
    SQLite's writer lock, or a PostgreSQL connection, while a phone on a bad link sends its
    bytes, and every other writer waits (bench/RESULTS.md, 2026-12-07: eight such clients
    stopped every beat, under any server). Forms are read by the CSRF check before anything
    asks for the user; a large body (a video chunk) is streamed by its view."""
    length = request.content_length
    if length is not None and length <= SMALL_BODY_BYTES and request.mimetype not in FORM_TYPES:
        request.get_data(cache=True)


def _commit_request(response: Response) -> Response:
    """One commit at the end of a successful request; a refused one (4xx, 5xx) commits nothing."""
    session = g.get("db_session")
    if session is not None and response.status_code < 400:
        session.commit()
    return response


def _unmark_writing_request(_error: BaseException | None) -> None:
    token = g.pop("writing_token", None)
    if token is not None:
        WRITING.reset(token)


def get_database(app: Flask) -> Database:
    return app.extensions["database"]


def get_session() -> Session:
    """The current request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = get_database(current_app).session_factory()
    return g.db_session


def release_transaction() -> None:
    """End the request's transaction so far, which must not have written anything, so that slow
    work that follows (reading a face) holds no lock; the next use of the session begins anew."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def _close_session(_error: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
