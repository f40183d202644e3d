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
import re
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
    """(name, who is logged in, path) for every screenshot. A path written ``list >> pattern``
    opens ``list`` and follows its first link whose address matches the regular expression
    ``pattern`` (for detail pages, whose ids differ from one demo database to another)."""
    k = args.koperasi
    m, b, s, ks = f"/k/{k}/anggota/", f"/k/{k}/buku/", f"/k/{k}/simpanan/", f"/k/{k}/kasir/"
    p = f"/k/{k}/pinjaman/"
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
        ("dinas-home", args.dinas, "/dinas/"),
        ("dinas-home-2022", args.dinas, "/dinas/?per=2022-03-22"),
        ("dinas-list", args.dinas, "/dinas/daftar/?himpunan=digital"),
        ("dinas-targets", args.dinas, "/dinas/target/"),
        ("dinas-assignments", args.dinas, "/dinas/penugasan/"),
        ("dinas-koperasi-new", args.dinas, "/dinas/koperasi-baru/"),
        ("dinas-details", args.dinas, f"/dinas/koperasi/{k}/data/"),
        ("dinas-koperasi", args.dinas, f"/dinas/koperasi/{k}/kinerja/"),
        ("dinas-koperasi-low", args.dinas, "/dinas/koperasi/kopdit-mawar-lembor/kinerja/"),
        ("konsultan-home", args.konsultan, "/konsultan/"),
        ("konsultan-visit", args.konsultan, f"/konsultan/{k}/kunjungan/"),
        ("members", args.pengurus, m),
        ("member", args.pengurus, rf"{m} >> {m}\d+/$"),
        ("member-edit", args.pengurus, rf"{m} >> {m}\d+/$ >> /ubah/$"),
        ("member-register", args.pengurus, f"{m}baru/"),
        ("ledger-home", args.pengurus, b),
        ("chart", args.pengurus, f"{b}akun/"),
        ("journal", args.pengurus, f"{b}jurnal/"),
        ("entry", args.pengurus, rf"{b}jurnal/ >> {b}jurnal/\d+/$"),
        ("entry-new", args.pengurus, f"{b}jurnal/baru/"),
        ("general-ledger-pick", args.pengurus, f"{b}besar/"),
        ("general-ledger", args.pengurus, rf"{b}akun/ >> {b}besar/\d+/"),
        ("trial-balance", args.pengurus, f"{b}neraca-saldo/"),
        ("neraca", args.pengurus, f"{b}neraca/"),
        ("hasil-usaha", args.pengurus, f"{b}hasil-usaha/"),
        ("periods", args.pengurus, f"{b}periode/"),
        ("savings-home", args.pengurus, s),
        ("savings-product", args.pengurus, rf"{s} >> {s}produk/\d+/$"),
        ("arrears", args.pengurus, f"{s}tunggakan/"),
        ("tax", args.pengurus, f"{s}pajak/"),
        ("month-end", args.pengurus, f"{s}akhir-bulan/"),
        ("payroll", args.pengurus, f"{s}potong-gaji/"),
        ("cashier-sessions", args.pengurus, f"{s}sesi-kasir/"),
        ("cashier-session", args.pengurus, rf"{s}sesi-kasir/ >> {s}sesi-kasir/\d+/$"),
        ("savings-member", args.pengurus, rf"{s} >> {s}anggota/\d+/$"),
        (
            "savings-account",
            args.pengurus,
            rf"{s} >> {s}anggota/\d+/$ >> {s}rekening/\d+/$",
        ),
        ("counter", args.kasir, ks),
        ("counter-search", args.kasir, f"{ks}cari/?q=maria"),
        ("counter-member", args.kasir, rf"{ks}?q=maria >> {ks}anggota/\d+/$"),
        ("counter-join", args.kasir, f"{ks}anggota-baru/"),
        ("loan-list", args.pengurus, f"{p}daftar/"),
        ("loan-apply", args.kasir, rf"{p}ajukan/?q=maria >> {p}ajukan/$"),
        ("loan-approvals", args.pengurus, f"{p}persetujuan/"),
        ("loan-detail", args.pengurus, rf"{p}daftar/?status=aktif >> {p}\d+/$"),
        ("loan-disburse", args.kasir, rf"{p}daftar/?status=disetujui >> {p}\d+/$ >> /cairkan/$"),
        ("loan-counter", args.kasir, f"{p}kasir/?q=maria"),
        ("loan-repay", args.kasir, rf"{p}kasir/?q=maria >> {p}\d+/bayar/$"),
        ("loan-receipt", args.kasir, rf"{p}daftar/?status=aktif >> {p}\d+/$ >> {p}struk/\d+/$"),
        ("loan-arrears", args.pengurus, f"{p}tunggakan/"),
        ("loan-grades", args.pengurus, f"{p}kolektibilitas/"),
        (
            "loan-grade-override",
            args.pengurus,
            rf"{p}daftar/?status=aktif&kolektibilitas=kurang_lancar >> {p}\d+/kolektibilitas/$",
        ),
        ("closing", args.pengurus, f"/k/{k}/tutup-buku/"),
        ("users", args.pengurus, f"/k/{k}/pengguna/"),
        ("user", args.pengurus, rf"/k/{k}/pengguna/ >> /k/{k}/pengguna/\d+/$"),
        ("users-district", args.dinas, "/dinas/pengguna/"),
        ("user-district", args.dinas, r"/dinas/pengguna/?q=pengurus >> /dinas/pengguna/\d+/$"),
        ("account", args.kasir, "/akun/"),
        ("account-totp", args.pengurus, "/akun/dua-langkah/"),
        ("password-reset", None, "/lupa-sandi/"),
        # The end of a loan's life (need loans in the database; the demo may have none).
        ("loan-detail-end", args.pengurus, rf"{p}daftar/?status=aktif >> {p}\d+/$"),
        (
            "loan-restructure",
            args.kasir,
            rf"{p}daftar/?status=aktif >> {p}\d+/$ >> /restrukturisasi/$",
        ),
        ("loan-writeoff", args.kasir, rf"{p}daftar/?status=aktif >> {p}\d+/$ >> /hapus-buku/$"),
        ("loan-approvals-end", args.pengurus, f"{p}persetujuan/"),
        ("loans-written-off", args.pengurus, f"{p}dihapusbukukan/"),
        ("loan-payroll", args.kasir, f"{p}potong-gaji/"),
        ("loan-payroll-batch", args.kasir, rf"{p}potong-gaji/ >> {p}potong-gaji/\d+/$"),
        ("beranda", args.pengurus, f"/k/{k}/"),
        ("receipt", args.kasir, rf"{ks}?q=maria >> {ks}anggota/\d+/$ >> {ks}struk/\d+/$"),
        ("loan-recover", args.kasir, rf"{p}dihapusbukukan/ >> {p}\d+/pemulihan/$"),
        ("reminder-settings", args.pengurus, f"/k/{k}/pengingat/"),
        ("dinas-koperasi-kinerja", args.dinas, f"/dinas/koperasi/{args.migrated}/kinerja/"),
    ]


def shoot(browser: Browser, args: argparse.Namespace, out: Path) -> list[Path]:
    made = []
    for device, viewport in VIEWPORTS.items():
        contexts = {}
        for name, user, path in pages(args):
            if args.only and not re.search(args.only, name):
                continue
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
            first, *follows = path.split(" >> ")
            response = page.goto(f"{args.url}{first}")
            for pattern in follows:
                href = page.evaluate(
                    "p => [...document.querySelectorAll('a[href]')].map(a => a.href)"
                    ".find(h => new RegExp(p).test(new URL(h).pathname)) || null",
                    pattern,
                )
                if href is None:
                    raise SystemExit(f"{path} as {user}: no link matching {pattern}")
                response = page.goto(href)
            if response is None or response.status >= 400:
                status = response.status if response else "no response"
                raise SystemExit(f"{path} as {user}: {status}")
            target = out / f"{name}-{device}.png"
            page.screenshot(path=str(target), full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            note = f"  (wider than the screen by {overflow}px)" if overflow > 0 else ""
            tables = page.evaluate(
                "Math.max(0, ...[...document.querySelectorAll('.table-wrap')]"
                ".map(w => w.scrollWidth - w.clientWidth))"
            )
            if tables > 0:
                note += f"  (a table scrolls sideways by {tables}px)"
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
    parser.add_argument("--pengurus", default="pengurus.bajo")
    parser.add_argument("--kasir", default="kasir.bajo")
    parser.add_argument("--koperasi", default="ksp-bajo", help="code of the staff's koperasi")
    parser.add_argument(
        "--migrated", default="ksp-bajo", help="a koperasi whose migration history to show"
    )
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--only", default="", help="a regular expression: only pages named so")
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
