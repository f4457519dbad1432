"""Each closed list of names (strategies, precisions, corruptions, attention kinds, families) is
written once, in `training.choices`, and every other place imports it or mirrors the zoo's."""

import ast
import pathlib

import pytest

import zoo
from benchmarks.models import sweep
from training import choices
from training.config import option_fields
from training.experiments import plan
from training.families import corruption
from training.runtime import strategy
from training.trainers import precision
from zoo.attention import ATTENTION_KINDS

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The project's code; tests state expected values literally on purpose.
PACKAGES = ("keras_refined_sa", "zoo", "training", "benchmarks", "examples")
SOURCE = ROOT / "training" / "choices.py"
LISTS = ("STRATEGIES", "PRECISIONS", "CORRUPTIONS", "ATTENTION_KINDS", "FAMILIES")


def literal_strings(node):
    """The strings of a tuple, list or set literal made only of strings, else None."""
    if not isinstance(node, (ast.Tuple, ast.List, ast.Set)) or not node.elts:
        return None
    if not all(isinstance(item, ast.Constant) for item in node.elts):
        return None
    if not all(isinstance(item.value, str) for item in node.elts):
        return None
    return frozenset(item.value for item in node.elts)


def copies(path, lists):
    """`(line, name)` of every literal in the Python file `path` holding exactly a list's names."""
    by_names = {frozenset(values): name for name, values in lists.items()}
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        (node.lineno, by_names[names])
        for node in ast.walk(tree)
        if (names := literal_strings(node)) in by_names
    ]


def test_copies_finds_a_repeated_list_in_any_order(tmp_path):
    module = tmp_path / "module.py"
    module.write_text('A = ("float32", "mixed_bfloat16", "mixed_float16")\nB = ("float32",)\n')
    assert copies(module, {"PRECISIONS": choices.PRECISIONS}) == [(1, "PRECISIONS")]


def test_no_module_repeats_a_list_of_training_choices():
    lists = {name: getattr(choices, name) for name in LISTS}
    found = [
        f"{path.relative_to(ROOT)}:{line} repeats {name}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != SOURCE
        for line, name in copies(path, lists)
    ]
    assert not found, "; ".join(found) + ": import the list from training.choices instead."


def test_the_mirrors_of_the_zoo_match_the_zoo():
    assert choices.ATTENTION_KINDS == ATTENTION_KINDS
    registered = {name.rsplit("_", 1)[0] for name in zoo.list_models()}
    assert registered == set(choices.FAMILIES)


@pytest.mark.parametrize(
    "user, name",
    [
        (strategy, "STRATEGIES"),
        (precision, "PRECISIONS"),
        (corruption, "CORRUPTIONS"),
        (sweep, "PRECISIONS"),
    ],
)
def test_the_modules_that_act_on_a_list_import_it(user, name):
    assert getattr(user, name) is getattr(choices, name)


def test_the_options_and_the_study_plan_read_training_choices():
    option_choices = {field.name: field.metadata["choices"] for field in option_fields()}
    assert option_choices["strategy"] is choices.STRATEGIES
    assert option_choices["precision"] is choices.PRECISIONS
    assert option_choices["corruption"] is choices.CORRUPTIONS
    assert plan.KINDS is choices.ATTENTION_KINDS
    assert plan.FAMILIES is choices.FAMILIES


def test_the_benchmarked_kinds_are_zoo_kinds():
    assert set(sweep.KINDS) <= set(ATTENTION_KINDS)
