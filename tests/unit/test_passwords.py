"""The password rules (ASVS 2.1): length, not common, not the holder's own details; no
composition rules."""

from __future__ import annotations

import threading

import pytest

from learning.services import ServiceError, passwords
from learning.services.identity import check_digit

ID_NUMBER = "44010619900307123" + check_digit("44010619900307123")  # born 1990-03-07
ZHANG = passwords.PersonalDetails(
    username="zhang.wei",
    real_name="张伟",
    phone="13812345678",
    id_number=ID_NUMBER,
    email="weiwei.z@example.cn",
)


def refusal(password: str, details: passwords.PersonalDetails = ZHANG) -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        passwords.check(password, details)
    return refused.value


@pytest.mark.parametrize(
    "password",
    ["password1", "qwertyuiop", "newpass123", "secret123", "iloveyou2024", "aaaaaaaaaaaa"],
)
def test_a_common_or_patterned_password_is_refused_as_guessable(password: str) -> None:
    assert refusal(password).code == "password_guessable"


@pytest.mark.parametrize(
    ("password", "detail"),
    [
        ("river 13812345678 lantern", "phone"),
        ("138-1234-5678 kite orbit", "phone"),
        (f"kite {ID_NUMBER} orbit", "id_number"),
        (f"kite orbit {ID_NUMBER[-6:]}", "id_number"),  # its last six digits
        ("kite 19900307 orbit pebble", "birth_date"),
        ("kite 900307 orbit pebble", "birth_date"),
        ("kite orbit 0307 pebble", "birth_date"),
        ("Zhang.Wei harbour meadow", "username"),
        ("张伟的秘密花园小路", "name"),
        ("weiwei.z copper tide", "email"),
    ],
)
def test_a_password_built_from_the_holders_details_is_refused_saying_which(
    password: str, detail: str
) -> None:
    refused = refusal(password)
    assert (refused.code, refused.params) == ("password_personal", {"detail": detail})


def test_the_estimator_sees_a_name_part_dressed_up() -> None:
    """zxcvbn finds the holder's details reversed or in l33t, which a plain search misses."""
    lin = passwords.PersonalDetails(username="t1", real_name="Lin Xiaoming")
    assert refusal("gnimoaix harbour", lin).params == {"detail": "name"}
    assert refusal("Xi4om1ng@harbour", lin).params == {"detail": "name"}


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "orchard kite pebble",
        "violet copper lantern",
        "清晨 的 江边 散步 很 舒服",
        "x9$kQ2!mZ7",
    ],
)
def test_a_passphrase_is_accepted_without_digits_or_any_composition_rule(password: str) -> None:
    passwords.check(password, ZHANG)  # a refusal raises ServiceError


def test_the_length_is_bounded_both_ways() -> None:
    assert refusal("kite.7x").params == {"min_length": 8}
    long_phrase = " ".join(["orchard kite pebble lantern"] * 5)[: passwords.MAX_LENGTH]
    passwords.check(long_phrase, ZHANG)
    too_long = refusal(long_phrase + "s")
    assert (too_long.code, too_long.params) == ("password_too_long", {"max_length": 128})
    # The estimate rates the start (its work grows with the square of the length); the
    # holder's details are looked for in the whole password.
    tail = long_phrase[: passwords.MAX_LENGTH - 12] + " 13812345678"
    assert refusal(tail).params == {"detail": "phone"}


def test_details_of_one_person_never_refuse_another_checked_at_the_same_time() -> None:
    """zxcvbn keeps the details it is given in a module-level dictionary while it runs."""
    other = passwords.PersonalDetails(username="t2", real_name="Harbour Smith")
    errors: list[ServiceError] = []

    def check_zhang() -> None:
        for _ in range(100):
            try:
                passwords.check("harbour copper tide", ZHANG)
            except ServiceError as error:
                errors.append(error)

    thread = threading.Thread(target=check_zhang)
    thread.start()
    for _ in range(100):
        with pytest.raises(ServiceError):
            passwords.check("harbour copper tide", other)
    thread.join()
    assert errors == []


def test_a_password_rich_in_l33t_symbols_is_rated_by_a_start_within_the_work_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """zxcvbn tries every reading of such symbols as letters over every substring: 0.5 s for
    24 characters holding all of them, seconds for 64. A shorter start is rated instead."""
    rated: list[str] = []

    def estimator(password: str, user_inputs: list[str]) -> dict:
        rated.append(password)
        return real(password, user_inputs=user_inputs)

    real = passwords.zxcvbn
    monkeypatch.setattr(passwords, "zxcvbn", estimator)
    symbols = "4@8({[<369 1!|70$5+%2"
    passwords.check((symbols + "kite") * 5, ZHANG)
    passwords.check("orchard kite pebble lantern meadow copper violin harbour frost glass", ZHANG)
    assert [len(password) for password in rated] == [12, passwords.ESTIMATED_LENGTH]
