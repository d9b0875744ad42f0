"""A link from another site cannot make an admin's browser show unmasked personal data and write
`personal_data_viewed` in the admin's name: the browser's `Sec-Fetch-Site` (or, without it, a
foreign referrer) turns such a view into a question, and nothing is logged until the admin
answers it from this site."""

from __future__ import annotations

import pytest

from tests.security.test_privacy import APPLICANT_ID_NUMBER, ID_NUMBER, _views, world  # noqa: F401

FROM_ELSEWHERE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # another host of the same registrable domain
    {"Referer": "https://attacker.example/page"},  # a browser without Sec-Fetch-Site
]
FROM_HERE = [
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},  # typed in the address bar, a bookmark
    {"Referer": "http://localhost/admin/applications"},
    {},
]


def _unmasked_urls(world) -> list[str]:  # noqa: F811
    application = world["application"]
    document = application.documents[0]
    return [
        f"/admin/applications/{application.id}",
        f"/applications/{application.id}/documents/{document.id}",
        f"/classes/{world['class'].id}/export.xlsx?unmasked=1",
        f"/admin/programmes/{world['enrolment'].programme_id}/export.csv?unmasked=1",
    ]


@pytest.mark.parametrize("headers", FROM_ELSEWHERE)
def test_a_link_from_another_site_asks_first_and_logs_nothing(
    world,  # noqa: F811
    login,
    db_session,
    headers,
) -> None:
    admin = login(world["admin"])
    for url in _unmasked_urls(world):
        response = admin.get(url, headers=headers)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and 'id="unmasked-question"' in page, url
        assert APPLICANT_ID_NUMBER not in page and ID_NUMBER not in page, url
        assert f'href="{url.replace("&", "&amp;")}"' in page, url  # the way on, from this site
    assert _views(db_session) == []


@pytest.mark.parametrize("headers", FROM_HERE)
def test_the_same_views_from_this_site_are_shown_and_logged(
    world,  # noqa: F811
    login,
    db_session,
    headers,
) -> None:
    admin = login(world["admin"])
    urls = _unmasked_urls(world)
    for url in urls:
        with admin.get(url, headers=headers) as response:
            assert response.status_code == 200, url
            assert b'id="unmasked-question"' not in response.data, url
    assert len(_views(db_session)) == len(urls)
