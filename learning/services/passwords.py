"""What a password must be (ASVS 2.1): long enough, not common, not made of its holder's own
details. No composition rules: a few unrelated words are a strong password.

The strength is zxcvbn's estimate: its frequency lists (common passwords, names, words,
keyboard patterns) ship inside the package, so nothing is fetched while it runs. It is also
given the holder's own details (name, username, phone, ID-card number and its birth date, ...)
as a dictionary of its own, so that a password built on them scores as what it is.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass

from zxcvbn import zxcvbn
from zxcvbn.matching import L33T_TABLE, enumerate_l33t_subs, relevant_l33t_subtable

from learning.services import ServiceError

MIN_LENGTH = 8
# Room for a passphrase of twenty words; a bound keeps a pasted page from tying up a worker.
MAX_LENGTH = 128
# zxcvbn's work grows about with the square of the length (0.1 s for 64 characters of a
# repeated pattern, 0.4-0.6 s for 128 on one core), so it rates the first 64 characters: a
# password whose start is already strong is strong. The holder's details are looked for in all.
ESTIMATED_LENGTH = 64
# Its l33t matcher also tries every way the password's symbols may stand for letters ("4" or
# "@" for "a", "1", "!" or "|" for "i", ...), each over every substring: 736 ways for a
# password holding all such symbols, half a second for 24 characters. A start short enough
# for this budget (ways x characters squared) is rated instead, never under 12 characters.
_L33T_BUDGET = 50_000
_SHORTEST_ESTIMATE = 12
# zxcvbn's 0-4 scale; 3 is "safely unguessable: moderate protection from an offline attack"
# (about 10^8 guesses and more).
MIN_SCORE = 3

# zxcvbn keeps the caller's inputs in a module-level dictionary while it runs, so two threads
# estimating at once would see each other's details.
_ESTIMATOR_LOCK = threading.Lock()
_SEPARATORS = re.compile(r"[\s._@+\-/\\|,;:'\"()]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class PersonalDetails:
    """The holder's own details a password must not be built from; any may be empty."""

    username: str = ""
    real_name: str = ""
    phone: str = ""
    id_number: str = ""
    email: str = ""


def check(password: str, details: PersonalDetails) -> None:
    """Refuse a password with the first reason that applies, as `ServiceError`:
    `password_too_short` (min_length), `password_too_long` (max_length),
    `password_personal` (detail: which kind of the holder's details it is built from, never
    the detail itself), or `password_guessable` (common, a pattern, or otherwise scored below
    `MIN_SCORE`)."""
    if len(password) < MIN_LENGTH:
        raise ServiceError("password_too_short", min_length=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise ServiceError("password_too_long", max_length=MAX_LENGTH)
    detail = _contained_detail(password, _whole_details(details))
    if detail is not None:
        raise ServiceError("password_personal", detail=detail)
    tokens = _tokens(details)
    with _ESTIMATOR_LOCK:
        estimate = zxcvbn(_estimated_part(password), user_inputs=list(tokens))
    for match in estimate["sequence"]:
        if match.get("dictionary_name") == "user_inputs":
            raise ServiceError(
                "password_personal", detail=tokens.get(match["matched_word"], "name")
            )
    if estimate["score"] < MIN_SCORE:
        raise ServiceError("password_guessable")


def _estimated_part(password: str) -> str:
    """The start of the password the estimate rates within its budget of work."""
    part = password[:ESTIMATED_LENGTH]
    while len(part) > _SHORTEST_ESTIMATE:
        ways = len(enumerate_l33t_subs(relevant_l33t_subtable(part, L33T_TABLE)))
        if ways * len(part) ** 2 <= _L33T_BUDGET:
            break
        part = part[: max(_SHORTEST_ESTIMATE, math.isqrt(_L33T_BUDGET // ways))]
    return part


def _whole_details(details: PersonalDetails) -> list[tuple[str, str]]:
    """(kind, value) of each detail a password may not contain as it is; the kinds are
    `name`, `username`, `email`, `phone`, `id_number` and `birth_date`."""
    id_number = details.id_number.strip()
    found = [
        ("username", details.username),
        ("name", details.real_name),
        ("email", details.email.partition("@")[0]),
        ("phone", details.phone),
        ("id_number", id_number),
        ("id_number", id_number[-6:]),  # a favourite initial password in China
    ]
    if len(id_number) == 18 and id_number[6:14].isdigit():  # a resident ID card: YYYYMMDD
        found.append(("birth_date", id_number[6:14]))
    return [(kind, squeezed) for kind, text in found if _long_enough(squeezed := _squeezed(text))]


def _tokens(details: PersonalDetails) -> dict[str, str]:
    """The details and their parts as lower-case words for the estimator's own dictionary, each
    with its kind: a name's parts, the birth date's shorter forms."""
    found: dict[str, str] = {}
    for kind, text in _whole_details(details):
        found.setdefault(text, kind)
    for kind, text in (
        ("username", details.username),
        ("name", details.real_name),
        ("email", details.email.partition("@")[0]),
    ):
        for part in _SEPARATORS.split(text.lower()):
            if _long_enough(part):
                found.setdefault(part, kind)
    for birth in [text for text, kind in found.items() if kind == "birth_date"]:
        found.setdefault(birth[2:], "birth_date")  # YYMMDD
        found.setdefault(birth[4:], "birth_date")  # MMDD
    return found


def _long_enough(token: str) -> bool:
    """A token worth looking for: four digits, two Chinese characters, three letters."""
    if token.isdigit():
        return len(token) >= 4
    if _CJK.search(token):
        return len(token) >= 2
    return len(token) >= 3


def _squeezed(text: str) -> str:
    """Lower case, without spaces and punctuation: "138 1234-5678" is the phone number."""
    return _SEPARATORS.sub("", text.strip().lower())


def _contained_detail(password: str, details: list[tuple[str, str]]) -> str | None:
    """The kind of a whole detail the password holds, even with spaces or dashes in it. Name
    parts and parts of numbers are left to the estimator, which weighs them against the rest."""
    squeezed = _squeezed(password)
    return next((kind for kind, text in details if text in squeezed), None)
