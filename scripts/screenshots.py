"""Log in as each demo role and save screenshots of their pages (desktop and phone sizes).

Usage: .venv/bin/python -m scripts.screenshots [BASE_URL] [OUT_DIR]  (from the project root)
Needs the demo data (`make run` seeds it) and Debian's chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM_ARGS, log_in

PAGES = {
    "trainee01": ["/", "/enrolments/1", "/me/record"],
    "trainee06": ["/enrolments/6"],
    "teacher1": ["/", "/classes/1", "/classes/1/coaching-days/1"],
    "admin": [
        "/admin",
        "/admin/users",
        "/admin/users/new",
        "/admin/users/5",
        "/admin/programmes/1",
        "/admin/programmes/new",
        "/enrolments/6",
    ],
}
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def main(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for size_name, (width, height) in SIZES.items():
            for username, paths in PAGES.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                log_in(page, base, username)
                for path in paths:
                    page.goto(base + path)
                    name = f"{size_name}-{username}{path.replace('/', '_')}.png"
                    page.screenshot(path=str(out / name), full_page=True)
                    print(out / name)
                context.close()
        browser.close()


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000",
        Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/screens"),
    )
