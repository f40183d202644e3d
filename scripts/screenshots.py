#!/usr/bin/env python
"""Screenshots of Kopdig's main pages on a phone (360×740) and a desktop (1280×800).

Starts nothing itself: point it at a running Kopdig with the demo loaded, e.g.

    KOPDIG_DATA_DIR=/tmp/kopdig-shots .venv/bin/kopdig migrate
    KOPDIG_DATA_DIR=/tmp/kopdig-shots .venv/bin/kopdig demo
    KOPDIG_DATA_DIR=/tmp/kopdig-shots .venv/bin/kopdig runserver 127.0.0.1:8765 &
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8765

PNG files go to ``screenshots/`` (git-ignored), named ``<page>-<phone|desktop>.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Browser, ViewportSize, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS: dict[str, ViewportSize] = {
    "phone": {"width": 360, "height": 740},
    "desktop": {"width": 1280, "height": 800},
}


def pages(args: argparse.Namespace) -> list[tuple[str, str | None, str]]:
    """(name, who is logged in, path) for every screenshot."""
    k = args.koperasi
    return [
        ("login", None, "/masuk/"),
        ("registry", args.dinas, "/dinas/koperasi/"),
        ("registry-filtered", args.dinas, "/dinas/koperasi/?kecamatan=53.15.05&stage=digital"),
        ("profile", args.dinas, f"/dinas/koperasi/{k}/"),
        ("audit-district", args.dinas, "/dinas/audit/"),
        ("choose", args.staff, "/pilih-koperasi/"),
        ("staff-home", args.staff, f"/k/{k}/"),
        ("audit", args.staff, f"/k/{k}/audit/"),
        ("registry-konsultan", args.konsultan, "/dinas/koperasi/"),
    ]


def shoot(browser: Browser, args: argparse.Namespace, out: Path) -> list[Path]:
    made = []
    for device, viewport in VIEWPORTS.items():
        contexts = {}
        for name, user, path in pages(args):
            if user not in contexts:
                context = browser.new_context(viewport=viewport, locale="id-ID")
                if user:
                    page = context.new_page()
                    page.goto(f"{args.url}/masuk/")
                    page.fill("#id_username", user)
                    page.fill("#id_password", args.password)
                    page.click("button[type=submit]")
                    page.wait_for_load_state()
                    if "/masuk/" in page.url:
                        raise SystemExit(f"login as {user} failed: check --password")
                    page.close()
                contexts[user] = context
            page = contexts[user].new_page()
            response = page.goto(f"{args.url}{path}")
            if response is None or response.status >= 400:
                status = response.status if response else "no response"
                raise SystemExit(f"{path} as {user}: {status}")
            target = out / f"{name}-{device}.png"
            page.screenshot(path=str(target), full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            note = f"  (wider than the screen by {overflow}px)" if overflow > 0 else ""
            print(f"{target}{note}")
            made.append(target)
            page.close()
        for context in contexts.values():
            context.close()
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8765")
    parser.add_argument("--password", default="kopdig-demo")
    parser.add_argument("--dinas", default="dinas", help="a Dinas admin")
    parser.add_argument("--staff", default="dua.koperasi", help="staff in two koperasi")
    parser.add_argument("--konsultan", default="konsultan1")
    parser.add_argument("--koperasi", default="ksp-bajo", help="code of the staff's koperasi")
    parser.add_argument("--out", default="screenshots")
    args = parser.parse_args()
    args.url = args.url.rstrip("/")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            shoot(browser, args, out)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
