"""The committed build of the dashboard: light enough, and self-contained."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "src" / "hostwatch" / "web"
BUDGET = 150 * 1024


def test_built_js_and_css_fit_in_150_kb_gzipped() -> None:
    """Every script and style sheet of the build, gzipped, adds up to 150 KB at most."""
    assets = sorted(p for p in (WEB / "assets").iterdir() if p.suffix in {".js", ".css"})
    assert {p.suffix for p in assets} == {".js", ".css"}
    total = sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in assets)
    assert total <= BUDGET, f"{total} bytes gzipped: {[p.name for p in assets]}"


def test_index_loads_only_packaged_assets() -> None:
    """The page's scripts and styles are files of the package, named by content, never another host's."""
    html = (WEB / "index.html").read_text()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assets = [ref for ref in references if ref.startswith("/assets/")]
    assert len(assets) >= 2
    for ref in assets:
        assert re.fullmatch(r"/assets/[\w.-]+-[\w-]{8}\.(js|css)", ref), ref
        assert (WEB / ref.lstrip("/")).is_file(), ref
    assert not [ref for ref in references if "//" in ref], references
