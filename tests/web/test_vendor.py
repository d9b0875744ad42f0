"""plotly.js served gzipped to the browsers that take it, prepared once, cached for a year."""

from __future__ import annotations

import gzip
from unittest import mock

import plotly

from learning.web import vendor

ADDRESS = f"/vendor/plotly-{plotly.__version__}.min.js"
YEAR = "public, max-age=31536000, immutable"


def test_a_browser_accepting_gzip_gets_the_same_bytes_gzipped(client) -> None:
    original = vendor.PLOTLY_JS.read_bytes()
    response = client.get(ADDRESS, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == YEAR
    assert response.mimetype == "text/javascript"
    body = response.get_data()
    assert int(response.headers["Content-Length"]) == len(body) < len(original) / 3
    assert gzip.decompress(body) == original


def test_a_client_without_gzip_gets_the_file_as_it_is(client) -> None:
    original = vendor.PLOTLY_JS.read_bytes()
    for accepted in (None, "identity", "gzip;q=0, br"):
        headers = {"Accept-Encoding": accepted} if accepted else {}
        response = client.get(ADDRESS, headers=headers)
        assert "Content-Encoding" not in response.headers, accepted
        assert "Accept-Encoding" in response.headers["Vary"]
        assert response.headers["Cache-Control"] == YEAR
        assert int(response.headers["Content-Length"]) == len(original)
        assert response.get_data() == original


def test_each_representation_has_its_own_etag_and_answers_304(client) -> None:
    gzipped = client.get(ADDRESS, headers={"Accept-Encoding": "gzip"})
    plain = client.get(ADDRESS)
    assert gzipped.headers["ETag"] != plain.headers["ETag"]
    again = client.get(
        ADDRESS, headers={"Accept-Encoding": "gzip", "If-None-Match": gzipped.headers["ETag"]}
    )
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["Cache-Control"] == YEAR
    other = client.get(
        ADDRESS, headers={"Accept-Encoding": "gzip", "If-None-Match": plain.headers["ETag"]}
    )
    assert other.status_code == 200 and other.headers["Content-Encoding"] == "gzip"


def test_the_file_is_compressed_once_not_per_request(client) -> None:
    vendor._prepared.cache_clear()
    with mock.patch.object(vendor.gzip, "compress", wraps=gzip.compress) as compress:
        for _ in range(3):
            client.get(ADDRESS, headers={"Accept-Encoding": "gzip"})
            client.get(ADDRESS)
    assert compress.call_count == 1


def test_another_version_is_not_found(client) -> None:
    assert client.get("/vendor/plotly-0.0.1.min.js").status_code == 404
