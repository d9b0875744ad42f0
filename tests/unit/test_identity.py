"""ID card numbers and masking of personal data."""

from __future__ import annotations

import pytest

from learning.services.accounts import mask_id_number, mask_phone
from learning.services.identity import check_digit, is_valid_id_number


@pytest.mark.parametrize(
    "number", ["11010519491231002X", "11010519491231002x", "440524188001010014"]
)
def test_valid_numbers(number: str) -> None:
    assert is_valid_id_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check digit
        "11010519491331002X",  # month 13
        "11010519490230002X",  # 30 February
        "1101051949123100",  # too short
        "11010519491231002XX",  # too long
        "1101051949123100AX",  # letters
        "",
    ],
)
def test_invalid_numbers(number: str) -> None:
    assert not is_valid_id_number(number)


def test_check_digit_ten_is_written_x() -> None:
    assert check_digit("11010519491231002") == "X"


def test_masks_keep_only_the_ends() -> None:
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number(None) == "" and mask_phone("") == ""
    assert mask_id_number("12345") == "*****"
