"""A refused service call shown where the person looks: on the form field, on the form, or as
a message at the top of the next page; the request's transaction is rolled back first, so
nothing the refused call wrote is committed (learning.db commits the rest at the end)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeAlias

from flask import flash
from flask_wtf import FlaskForm
from wtforms import Field

from learning.db import get_session
from learning.services import ServiceError
from learning.texts.messages import describe
from learning.web.forms import add_error

Target: TypeAlias = Field | FlaskForm | None


@contextmanager
def shown(on: Target | Callable[[ServiceError], Target] = None) -> Iterator[None]:
    """Run the block; a `ServiceError` in it is rolled back and its reason shown `on` a field,
    on a form (its form errors), or flashed; `on` may also choose by the error. The code after
    the block runs then, typically rendering the form again.

    Used as::

        with shown(form.reason):
            offline.add_offline_time(...)
            flash(_("Offline time added."), "success")
            return redirect(...)
        return render_template(..., form=form)
    """
    try:
        yield
    except ServiceError as error:
        get_session().rollback()
        message = describe(error)
        if callable(on) and not isinstance(on, Field | FlaskForm):
            on = on(error)
        if isinstance(on, FlaskForm):
            on.form_errors.append(message)
        elif on is not None:
            add_error(on, message)
        else:
            flash(message, "error")
