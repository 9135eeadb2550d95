"""Is every grader proven by mutants?  Wrong implementations must lose points on their
exercise, correct variants must score full marks, and a wrong one may cost no other
exercise."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest
from conftest import ROOT, by_id, grade_notebooks, load, with_answers

MUTANT_DIR = Path(__file__).parent / "mutants"


def mutant_modules() -> tuple[dict[str, dict], dict[str, str]]:
    """'assignment/notebook' -> MUTANTS dict from tests/mutants/<assignment>/<notebook>.py,
    and the files that failed to load (each reported by its own test)."""
    found, broken = {}, {}
    for path in sorted(MUTANT_DIR.glob("*/*.py")):
        key = f"{path.parent.name}/{path.stem}"
        try:
            spec = importlib.util.spec_from_file_location(f"mutants_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            found[key] = module.MUTANTS
        except Exception as exc:  # noqa: BLE001
            broken[key] = f"{type(exc).__name__}: {exc}"
    return found, broken


MODULES, BROKEN = mutant_modules()
CASES = [(key, ex, kind, name, spec)
         for key, mutants in MODULES.items()
         for ex, kinds in mutants.items()
         for kind in ("wrong", "correct")
         for name, spec in kinds.get(kind, {}).items()]


def case_name(key: str, ex: str, kind: str, name: str) -> str:
    return f"{key.split('/')[1]}.{ex}.{kind}.{name}"


PACK_MAX = 4  # wrong mutants of different exercises graded in one submission
# Words that let an answer cell reach beyond its own function: graded alone.
REACHES_OUT = {"manual_seed", "seed", "set_default_dtype", "set_default_device", "setattr",
               "globals", "global", "nonlocal", "set_num_threads", "sys", "os", "builtins",
               "__builtins__", "importlib", "exec", "eval", "signal", "_exit", "exit"}


def packable(key: str, ex: str, source: str) -> set[str] | None:
    """The top-level names a wrong mutant defines, or None when it must be graded alone:
    code that runs at the top level, reaches beyond its own function, or mentions another
    exercise of the notebook (whose answer a neighbour in the pack may have changed)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            names.update(t.id for t in node.targets)
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            return None
    words = set(re.findall(r"[A-Za-z_]\w*", source))
    if words & (REACHES_OUT | (set(MODULES[key]) - {ex})):
        return None
    return names


def pack_into(packs: list[dict], ex: str, item: tuple, names: set[str] | None,
              limit: int) -> None:
    """Into the first pack without this exercise or any of its names, else a new one."""
    for pack in packs:
        if ex not in pack and len(pack) < limit and names is not None and \
                not names & set().union(*(p[-1] for p in pack.values())):
            pack[ex] = (*item, names)
            return
    packs.append({ex: (*item, names or set())})


@pytest.fixture(scope="module")
def reports(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Every selected mutant's report, from one batch.  Mutants of different exercises of a
    notebook share a submission (graded on just those exercises): correct variants, and
    wrong ones that keep to their own function (``packable``).  What looks off in a shared
    submission is graded again one mutant at a time: every correct variant of a pack where
    anything is not passed, a wrong one that kept its marks or lacks its feedback.  So
    sharing never fails a mutant that passes alone.  Each packed mutant's report holds its
    own exercise only."""
    selected = {item.callspec.params["index"] for item in request.session.items
                if hasattr(item, "callspec") and "index" in item.callspec.params}
    notebooks, only, packs = {}, {}, {}
    for i, (key, ex, kind, name, spec) in enumerate(CASES):
        if i not in selected:
            continue
        source = spec[0] if isinstance(spec, tuple) else spec
        expected = spec[1] if isinstance(spec, tuple) else None
        if kind == "correct":
            pack_into(packs.setdefault((key, kind), []), ex, (i, source, None), set(), 10**6)
            continue
        names = packable(key, ex, source)
        if not isolation_case(key, ex, kind, name) and names is not None:
            pack_into(packs.setdefault((key, kind), []), ex, (i, source, expected), names,
                      PACK_MAX)
            continue
        nb = load(ROOT / "source" / f"{key}.ipynb")
        notebooks[f"m{i:04d}"] = with_answers(nb, {ex: source})
        if not isolation_case(key, ex, kind, name):
            only[f"m{i:04d}"] = ex
    labels = {}
    for (key, kind), group in packs.items():
        nb = load(ROOT / "source" / f"{key}.ipynb")
        for j, pack in enumerate(group):
            label = labels[(key, kind, j)] = f"{key.replace('/', '__')}__{kind}{j}"
            notebooks[label] = with_answers(nb, {ex: m[1] for ex, m in pack.items()})
            only[label] = set(pack)
    graded = grade_notebooks(notebooks, tmp_path_factory.mktemp("mutants"), only=only)
    out, again = {}, {}
    for (key, kind), group in packs.items():
        for j, pack in enumerate(group):
            report = graded[labels[(key, kind, j)]]
            results = by_id(report)
            # A wrong neighbour's error or timeout stays in its own exercise (the sandbox
            # poisons only that exercise); a right one must leave every exercise passed.
            spoilt = kind == "correct" and any(r["status"] != "passed" for r in results.values())
            for ex, (i, source, expected, _) in pack.items():
                mine = results[ex]
                kept = mine["score"] == mine["max_score"]
                if spoilt or (kind == "correct") != kept or (
                        expected and expected not in " ".join(mine["feedback"])):
                    nb = load(ROOT / "source" / f"{key}.ipynb")
                    again[f"m{i:04d}"] = (with_answers(nb, {ex: source}), ex)
                else:
                    out[f"m{i:04d}"] = {**report, "exercises": [mine]}
    if again:
        alone = grade_notebooks({k: v[0] for k, v in again.items()},
                                tmp_path_factory.mktemp("alone"),
                                only={k: v[1] for k, v in again.items()})
        out.update(alone)
    out.update({k: v for k, v in graded.items() if k.startswith("m")})
    return out


def isolation_case(key: str, ex: str, kind: str, name: str) -> bool:
    """The first wrong mutant of each exercise is graded on the whole notebook, proving the
    damage stays in its exercise; the others only on their own (a whole-notebook grading
    costs up to ten times more, and isolation does not depend on which answer is wrong).
    A checkpoint answer that only binds a constant to its own name is never graded whole:
    such a cell cannot reach any other exercise."""
    first = next(iter(MODULES[key][ex].get(kind, {})), None)
    if kind != "wrong" or name != first:
        return False
    spec = MODULES[key][ex][kind][name]
    return not constant_answer(ex, spec[0] if isinstance(spec, tuple) else spec)


def constant_answer(ex: str, source: str) -> bool:
    """Is the cell only ``<ex> = <literal>``?"""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return len(body) == 1 and isinstance(body[0], ast.Assign) and \
        [getattr(t, "id", None) for t in body[0].targets] == [ex] and \
        isinstance(body[0].value, ast.Constant | ast.UnaryOp | ast.Tuple | ast.List)


@pytest.mark.parametrize("index", range(len(CASES)),
                         ids=[case_name(*c[:4]) for c in CASES])
def test_mutant(index: int, reports: dict[str, dict]) -> None:
    """Does a wrong answer lose points (with the right feedback), and a right one keep all?
    (And, for the first wrong one, does every other exercise keep its full marks?)"""
    key, ex, kind, name, spec = CASES[index]
    report = reports[f"m{index:04d}"]
    results = by_id(report)
    target = results[ex]
    if kind == "wrong":
        assert target["score"] < target["max_score"], f"{name} kept full marks on {ex}"
        if isinstance(spec, tuple):
            text = " ".join(target["feedback"])
            assert spec[1] in text, f"feedback {target['feedback']} lacks {spec[1]!r}"
    else:
        assert target["score"] == target["max_score"], target["feedback"]
    if isolation_case(key, ex, kind, name):
        assert len(results) > 1 or len(MODULES[key]) == 1
    others = {k: v["status"] for k, v in results.items() if k != ex and v["status"] != "passed"}
    assert not others, f"mutant of {ex} changed other exercises: {others}"


def test_known_mistakes_are_named(reports: dict[str, dict]) -> None:
    """Known-mistake diagnosis over the catalogue itself: a wrong mutant whose first feedback
    line names a mistake is named by its own clause (alone, or with the one other mistake the
    grader's cases cannot tell apart); and, over the whole catalogue, at least 85% of the
    mistakes that fail on values (all but the forbidden-call ones) are named (92% measured;
    the margin covers training probes whose reference time sits near the slow limit)."""
    from dlcore import diagnosis

    clauses = {key: diagnosis.load_mistakes(MUTANT_DIR / f"{key}.py") for key in MODULES}
    named, values, wrong_name = 0, 0, []
    for i, (key, ex, kind, name, _) in enumerate(CASES):
        if kind != "wrong" or name.startswith("forbidden") or f"m{i:04d}" not in reports:
            continue
        values += 1
        feedback = by_id(reports[f"m{i:04d}"])[ex]["feedback"]
        first = feedback[0] if feedback else ""
        own = clauses[key].get(ex, {}).get(name, ("", ""))[1]
        if first.startswith(diagnosis.PREFIX):
            if own and own in first:
                named += 1
            elif own:
                wrong_name.append(f"{key} {ex}.{name}: {first}")
    assert not wrong_name, "\n".join(wrong_name)
    if values < 500:
        pytest.skip(f"only {values} value mistakes selected: the share is measured on all")
    assert named >= 0.85 * values, f"{named} of {values} known mistakes named"


@pytest.mark.parametrize("key", sorted(BROKEN) or [None])
def test_mutant_files_load(key: str | None) -> None:
    """Does every mutant file import and define MUTANTS?"""
    assert key is None, f"tests/mutants/{key}.py: {BROKEN.get(key)}"


def test_every_exercise_has_mutants() -> None:
    """Has every graded exercise at least two wrong and one correct implementation, and a
    'forbidden' mutant where the exercise forbids a built-in?"""
    from dlcore import course

    problems = []
    for entry in course.entries():
        mutants = MODULES.get(entry.key, {})
        forbidding = forbidding_exercises(entry)
        for ex in course.exercise_points(entry):
            kinds = mutants.get(ex, {})
            if len(kinds.get("wrong", {})) < (1 if ex.startswith("q_") else 2):
                problems.append(f"{entry.key}:{ex} needs wrong mutants")
            if not ex.startswith("q_") and not kinds.get("correct"):
                problems.append(f"{entry.key}:{ex} needs a correct variant")
            wrong = kinds.get("wrong", {})
            if ex in forbidding and not any(n.startswith("forbidden") for n in wrong):
                problems.append(f"{entry.key}:{ex} needs a 'forbidden...' mutant")
    assert not problems, "\n".join(problems)


def forbidding_exercises(entry) -> set[str]:
    from dlcore.runner import collect

    return {m["id"] for m in collect(entry) if m.get("forbid")}
