"""JupyterLab in a real browser: headless Chromium (Debian's) driven by Playwright.

One scratch course, set up and released with the README's own commands, served twice: the
student view (``dlcore lab``) and the instructor view (``dlcore lab --instructor``).  Checks
that a release notebook opens with no console error and no unsaved change, that students see
no instructor tools, that Validate fails on stubs (naming the exercise) and passes a finished
notebook, and that the Formgrader lists every assignment as released.  Screenshots go to
``artifacts/browser/`` (git-ignored).

Without Chromium the test is skipped, unless ``DLCORE_REQUIRE_BROWSER=1`` (set by ``.ci/run``,
which installs it), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, completed, with_answers
from test_readme_course import environment, scratch_course

from dlcore import course

ARTIFACTS = ROOT / "artifacts" / "browser"
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in the current tab
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]

if CHROMIUM is None or shutil.which("bash") is None:
    if os.environ.get("DLCORE_REQUIRE_BROWSER") == "1":
        raise RuntimeError("the browser test needs Chromium: apt-get install chromium")
    pytest.skip("no Chromium here (apt-get install chromium); .ci/run installs it",
                allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(course_dir: Path, home: Path, instructor: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [str(course_dir / ".venv" / "bin" / "dlcore"), "lab", "--no-browser",
           f"--port={port}", "--ServerApp.token=", "--ServerApp.password=", "--allow-root",
           "--ServerApp.ip=127.0.0.1"] + (["--instructor"] if instructor else [])
    log = (home.parent / f"lab-{'instructor' if instructor else 'student'}.log").open("w")
    proc = subprocess.Popen(cmd, cwd=course_dir, stdout=log, stderr=subprocess.STDOUT,
                            env=environment(HOME=str(home), DLCORE_FAST="1", MPLBACKEND="Agg",
                                            TQDM_DISABLE="1"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"JupyterLab did not start; see {log.name}")


@pytest.fixture(scope="module")
def labs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("browser")
    course_dir = scratch_course(tmp / "course")
    venv = course_dir / ".venv" / "bin"
    assignments = sorted({e.assignment for e in course.entries()})
    setup = [[str(venv / "dlcore"), "course", "setup"]] + [
        [str(venv / "nbgrader"), "release_assignment", a] for a in assignments]
    for cmd in setup:
        subprocess.run(cmd, cwd=course_dir, env=environment(), check=True, capture_output=True)
    work = course_dir / "work"
    work.mkdir()
    (work / "neurons.ipynb").write_text(json.dumps(completed("s1_foundations", "neurons")))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    procs = []
    try:
        student, s_url = start_lab(course_dir, tmp / "home-student", instructor=False)
        procs.append(student)
        teacher, t_url = start_lab(course_dir, tmp / "home-instructor", instructor=True)
        procs.append(teacher)
        yield {"student": s_url, "instructor": t_url, "assignments": json.dumps(assignments)}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(scope="module")
def browser(labs: dict[str, str]) -> Iterator[object]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def open_notebook(browser: object, url: str) -> tuple[object, list[str]]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(url + "?reset")  # a fresh workspace: only this notebook open
    page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=60_000)
    page.wait_for_selector(f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=60_000)
    return page, problems


def validate(page: object) -> str:
    page.locator(PANEL).get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=90_000)
    page.wait_for_function("() => /Success|failed|Validation/i.test("
                           "document.querySelector('.jp-Dialog').innerText)", timeout=90_000)
    return dialog.inner_text()


@pytest.mark.slow
def test_student_view(labs: dict[str, str], browser: object) -> None:
    page, problems = open_notebook(
        browser, f"{labs['student']}/lab/tree/release/s1_foundations/neurons.ipynb")
    page.wait_for_timeout(1500)
    assert problems == [], problems
    assert page.locator(".jp-mod-dirty").count() == 0, "the notebook has unsaved changes"
    assert page.locator(f"{PANEL} .jp-Cell").count() > 20
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    items = [t for t in page.locator(".lm-Menu-item:visible .lm-Menu-itemLabel")
             .all_inner_texts() if t.strip()]
    page.keyboard.press("Escape")
    assert items == ["Assignment List"], items  # no Formgrader, no course list
    assert page.get_by_text("Create Assignment").count() == 0
    page.screenshot(path=str(ARTIFACTS / "1-student-release-notebook.png"))

    text = validate(page)
    page.screenshot(path=str(ARTIFACTS / "2-validate-fails-on-stubs.png"))
    assert "failed" in text.lower() and "Success" not in text, text
    assert "neuron_forward" in text, text  # the failing exercise is named
    page.close()


@pytest.mark.slow
def test_validate_passes_a_finished_notebook(labs: dict[str, str], browser: object) -> None:
    page, problems = open_notebook(browser, f"{labs['student']}/lab/tree/work/neurons.ipynb")
    text = validate(page)
    page.screenshot(path=str(ARTIFACTS / "3-validate-passes-finished.png"))
    assert "Success! Your notebook passes all the tests." in text, text
    assert problems == [], problems
    page.close()


@pytest.mark.slow
def test_formgrader_lists_every_assignment_released(labs: dict[str, str],
                                                    browser: object) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{labs['instructor']}/formgrader")
    rows = page.locator("table.dataTable tbody tr")
    expected = json.loads(labs["assignments"])
    page.wait_for_function(f"() => document.querySelectorAll('table.dataTable tbody tr')"
                           f".length >= {len(expected)}", timeout=60_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "4-formgrader-assignments.png"))
    listed = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        if cells and cells[0].strip():
            listed[cells[0].strip()] = [c.strip() for c in cells]
    assert set(expected) <= set(listed), listed
    for name in expected:
        assert "released" in " ".join(listed[name]).lower(), listed[name]
    assert problems == [], problems
    page.close()



@pytest.mark.slow
def test_class_analytics_page(browser: object, tmp_path: Path) -> None:
    """`dlcore grade`'s analytics.html: every figure shows, nothing is fetched from anywhere,
    and the known mistake two students made is listed with its share of the class."""
    from dlcore import course, mistakes

    known = mistakes.load_mistakes(mistakes.mutant_file(course.Entry("s1_foundations",
                                                                      "neurons")))
    wrong_tanh, clause = known["tanh"]["forgets_factor_two"]
    for student, unfinished in (("ann", set()), ("bob", {"sigmoid", "relu", "q_vanishing"}),
                                ("cyd", {"neuron_forward"}), ("dan", set()), ("eve", set())):
        nb = completed("s1_foundations", "neurons", unfinished)
        if student in ("dan", "eve"):
            nb = with_answers(nb, {"tanh": wrong_tanh})
        path = tmp_path / "class" / student / "s1_foundations" / "neurons.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(nb))
    out = tmp_path / "out"
    subprocess.run([str(ROOT / ".venv" / "bin" / "dlcore"), "grade", str(tmp_path / "class"),
                    "--out", str(out), "--no-progress"], cwd=ROOT, check=True,
                   capture_output=True)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto((out / "analytics.html").as_uri())
    shown = page.eval_on_selector_all("img", "els => els.map(e => e.complete && e.naturalWidth)")
    page.screenshot(path=str(ARTIFACTS / "5-class-analytics.png"), full_page=True)
    assert len(shown) >= 2 and all(shown), shown
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert problems == [], problems
    assert page.get_by_role("heading", name="Hardest exercises").count() == 1
    assert "sigmoid" in page.locator("table").nth(1).inner_text()
    assert page.get_by_role("heading", name="Known mistakes in the class (1)").count() == 1
    named = page.locator("table").nth(2).inner_text()  # the known mistakes' table
    assert clause in named and "40 %" in named, named  # 2 of 5 students
    page.close()
