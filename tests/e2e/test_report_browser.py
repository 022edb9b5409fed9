"""The HTML report end to end in headless Chromium: it renders, runs its script without errors, and draws.

Needs the Debian ``chromium`` package (``make test`` installs it); where the binary is missing the tests
are skipped with the reason printed. The screenshot is kept in ``test-artifacts/report.png``.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from synthwise.report import render_html, write_html
from synthwise.testing.reports import example_evaluation

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
N_COLUMNS = 12
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def _chromium() -> str:
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    reason = "chromium is not installed (apt-get install chromium, or `make chromium`); browser test skipped"
    print(reason)
    pytest.skip(reason)


def _run(url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    cmd = [_chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url]
    env = dict(os.environ, HOME=str(tmp_path))  # keep chromium's caches out of the user's home
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=env, check=False)


def _console(stderr: str) -> list[str]:
    """The page's console lines from chromium's log (``INFO:CONSOLE(...)] "message", source: ...``)."""
    return [line for line in stderr.splitlines() if "CONSOLE" in line]


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_html(example_evaluation(n_columns=N_COLUMNS), path)
    return path


def test_report_renders_in_chromium_without_script_errors(report_file: Path, tmp_path: Path) -> None:
    result = _run(report_file.as_uri(), tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom")
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None, dom[:500]
    assert 'data-rendered="1"' in body.group(0)  # the report's script ran to its end
    svg_count = dom.count("<svg")
    assert svg_count >= N_COLUMNS + 5  # every marginal, heatmap, two curves, DCR, projection
    assert f'data-svg-count="{svg_count}"' in body.group(0)  # the browser parsed every chart as SVG
    assert dom.count('class="marginal"') == N_COLUMNS
    problems = [line for line in _console(result.stderr) if "Uncaught" in line or "Refused" in line]
    assert problems == []


def test_report_screenshot_is_kept_as_artifact(report_file: Path, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    result = _run(report_file.as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1280,2000")
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (1280, 2000)
    assert len(data) > 100_000  # a drawn page, not a blank one (a blank 1280x2000 PNG is a few KB)


def test_browser_check_catches_a_script_error(tmp_path: Path) -> None:
    """The console check above is not vacuous: a broken page is reported."""
    page = render_html(example_evaluation(n_columns=2)).replace(
        "<script>", "<script>window.missingFunction();</script><script>", 1
    )
    broken = tmp_path / "broken.html"
    broken.write_text(page, encoding="utf-8")
    result = _run(broken.as_uri(), tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom")
    assert any("Uncaught" in line for line in _console(result.stderr))
    assert 'data-rendered="1"' in result.stdout  # one failing script does not stop the report's own


def test_image_report_renders_with_its_images(tmp_path: Path) -> None:
    """Issue 16: the image report (per-class grids, memorized images beside their nearest training image)
    renders offline in the browser: its script runs, every inline PNG decodes, no console error."""
    from synthwise.evaluation.images import ImageEvaluator
    from synthwise.report.images import write_image_report
    from synthwise.testing.images import small_images

    _chromium()
    imgs = small_images(300)
    train, hold = imgs.subset(slice(0, 200)), imgs.subset(slice(200, 300))
    synthetic = train.subset(slice(0, 100))  # copies: the memorized section has pairs to show
    ev = ImageEvaluator(train, hold, representation="pixels", n_bootstrap=10).evaluate(synthetic)
    path = tmp_path / "images.html"
    write_image_report(ev, train, synthetic, path)
    probe = path.read_text(encoding="utf-8").replace(
        "</body>",
        "<script>window.addEventListener('load',()=>{const bad=[...document.images].filter("
        "i=>!i.complete||i.naturalWidth===0).length;document.body.dataset.images="
        "document.images.length+':'+bad;});</script></body>",
    )
    path.write_text(probe, encoding="utf-8")
    result = _run(path.as_uri(), tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    body = re.search(r"<body[^>]*>", result.stdout)
    assert body is not None and 'data-rendered="1"' in body.group(0)
    shown = re.search(r'data-images="(\d+):(\d+)"', body.group(0))
    assert shown is not None and int(shown.group(1)) >= 40 and shown.group(2) == "0"  # all decoded
    assert 'id="image-grids"' in result.stdout and 'id="memorized"' in result.stdout
    problems = [line for line in _console(result.stderr) if "Uncaught" in line or "Refused" in line]
    assert problems == []
