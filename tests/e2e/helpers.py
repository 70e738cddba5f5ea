"""What the journeys do over and over: log in, check a page with axe, take a screenshot,
read a downloaded PDF."""

from __future__ import annotations

import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

AXE_URL = "/static/vendor/axe-core/axe.min.js"
# Impacts that fail a page; "minor" and "moderate" findings are printed, not fatal.
BLOCKING = {"serious", "critical"}


def login(page: Page, email: str, password: str, *, path: str = "/login") -> None:
    """Fill the login form as a person does and wait for the page it leads to."""
    if path:
        page.goto(path)
    page.get_by_label("Correo").fill(email)
    page.get_by_label("Contraseña").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Ingresar").click()
    # On a phone the links (with "Salir") sit behind the header's menu button.
    menu = page.get_by_role("button", name="Menú")
    signed_in = page.get_by_role("button", name="Salir").or_(menu)
    expect(signed_in).to_be_visible()


def pesos(text: str) -> int:
    """'$24.500' -> 24500."""
    digits = re.sub(r"[^\d-]", "", text)
    assert digits, f"no amount in {text!r}"
    return int(digits)


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core on the page (served by the app itself, so the page's CSP allows it);
    the serious and critical violations, each with the first elements involved."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => ({
                    target: n.target.join(' '), summary: n.failureSummary,
                })),
            }));
        }"""
    )
    return [v for v in violations if v["impact"] in BLOCKING]


def describe_violations(found: dict[str, list[dict]]) -> str:
    """{page label: violations} -> a readable report."""
    lines = []
    for label, violations in found.items():
        for v in violations:
            lines.append(f"{label}: [{v['impact']}] {v['id']}: {v['help']}")
            lines.extend(f"    {n['target']}\n      {n['summary']}" for n in v["nodes"])
    return "\n".join(lines)


def check_accessibility(page: Page, label: str) -> None:
    """Fail on any serious or critical axe violation, listing each one."""
    violations = axe_violations(page)
    assert not violations, describe_violations({f"{label} ({page.url})": violations})


def screenshot(page: Page, folder: Path, name: str) -> Path:
    """The visible screen only (small files), as a person would see it."""
    width = page.viewport_size["width"]
    path = folder / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=False, animations="disabled", caret="hide")
    return path


def download(page: Page, click) -> bytes:
    """Click something that downloads a file; return the file's bytes."""
    with page.expect_download() as info:
        click()
    path = info.value.path()
    return Path(path).read_bytes()


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), data[:40]
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def focus_is_visible(page: Page) -> bool:
    """Whether the focused element draws a focus ring (outline or box shadow)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return false;
            const s = getComputedStyle(el);
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
            return outline || (s.boxShadow && s.boxShadow !== 'none');
        }"""
    )


def tab_to(page: Page, locator, *, limit: int = 40) -> list[str]:
    """Press Tab until ``locator`` has the focus; every stop on the way must show where
    the focus is. Returns what was passed, for the failure message."""
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        described = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e ? `${e.tagName.toLowerCase()} ${(e.innerText || e.name || e.id || '')"
            ".trim().slice(0, 40)}` : ''; }"
        )
        passed.append(described)
        assert focus_is_visible(page), f"no visible focus on {described} (after {passed})"
        if locator.evaluate("el => el === document.activeElement"):
            return passed
    raise AssertionError(f"Tab never reached {locator} (passed {passed})")
