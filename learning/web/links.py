"""Absolute links, for what leaves the screen: QR codes on certificates and posters.

They are built from the configured public address (`PUBLIC_URL`), never from the Host header
of the request that happened to print them: a request naming another host (a proxy's internal
name, or an attacker's) would otherwise put that host on paper.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def absolute_url_for(endpoint: str, **values: Any) -> str:
    """`url_for` as an absolute address under `PUBLIC_URL` (the request's host in development
    when no address is configured)."""
    public_url = current_app.config["PUBLIC_URL"]
    if public_url is None:
        return url_for(endpoint, _external=True, **values)
    return public_url + url_for(endpoint, **values)
