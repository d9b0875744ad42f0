"""Proof documents are checked by content and size, whatever their names say."""

from __future__ import annotations

import pytest

from learning.services import ServiceError
from learning.services.applications import MAX_DOCUMENT_BYTES, Upload, check_uploads, document_type

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.4 ...", "application/pdf"),
        (b"\xff\xd8\xff\xe0 jfif", "image/jpeg"),
        (PNG + b"rest", "image/png"),
        (b"GIF89a", None),
        (b"<html>", None),
        (b"", None),
    ],
)
def test_the_type_comes_from_the_first_bytes(data: bytes, kind: str | None) -> None:
    found = document_type(data)
    assert (found[0] if found else None) == kind


def test_five_megabytes_is_the_most() -> None:
    check_uploads([Upload("ok.png", PNG + b"x" * (MAX_DOCUMENT_BYTES - len(PNG)))])
    with pytest.raises(ServiceError) as refused:
        check_uploads([Upload("big.png", PNG + b"x" * MAX_DOCUMENT_BYTES)])
    assert refused.value.code == "document_too_large" and refused.value.params["most_mb"] == 5.0


def test_a_renamed_file_is_judged_by_content() -> None:
    with pytest.raises(ServiceError) as refused:
        check_uploads([Upload("photo.png", b"MZ\x90\x00 an executable")])
    assert refused.value.code == "document_type"
