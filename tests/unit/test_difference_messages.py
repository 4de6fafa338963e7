"""What a student reads when an answer differs: which quantity, what kind of difference, numbers that
differ on the page; and the inputs a function changed in place, found alike in this process and
through the kernel's wire (autograde/checking.py, autograde/kernel_side.py, autograde/judge.py)."""

import json

import numpy as np
import pytest

from autograde import kernel_side, run_check
from autograde.checking import (
    Case,
    LocalStudent,
    changed_inputs,
    check_against_reference,
    describe_args,
    difference,
    float32_tolerance,
)
from autograde.judge import KernelStudent, read_answer
from autograde.td8.regularisation_mnist import solution as td8


def differs(expected, got, **names):
    return difference(expected, got, what="le résultat", rtol=1e-6, atol=1e-9, **names)


# ------------------------------------------------------------------------------- which quantity
def test_an_unnamed_element_of_a_tuple_is_named_by_its_place_not_by_a_chain_of_numbers():
    one = np.ones(3)
    assert differs((one, one), (one, 2 * one)).startswith("le 2e élément du résultat :")
    assert differs((one, (one, one)), (one, (one, 2 * one))).startswith("l'élément résultat[1][1] :")


@pytest.mark.parametrize("fields", [("P", ("Z1", "A1")), ("P", "Z1", "A1"), ("P", ("le cache", ("Z1", "A1")))])
def test_fields_name_nested_elements_nested_or_flat(fields):
    one = np.ones(3)
    cases = [Case("N = 3", (one,))]
    verdict = check_against_reference(
        lambda x: (x, (x, 3 * x)), lambda x: (x, (x, 2 * x)), cases, name="forward", fields=fields
    )
    assert "— cas 1/1 (N = 3) : A1 : " in verdict.message


def test_a_named_tuple_element_names_its_unnamed_items_after_it():
    one = np.ones(3)
    problem = difference(
        (one, (one, one)), (one, (one, 2 * one)), what="le résultat", rtol=1e-6, atol=1e-9, names=["P", "le cache"]
    )
    assert problem.startswith("le 2e élément du cache :")


# ------------------------------------------------------------------------ what kind of difference
E = np.array([[1.0, -2.0, 3.0], [4.5, 5.0, -6.0]])
SQUARE = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]])
SERIES = np.array([0.9, 0.5, 0.7, 0.2, 0.4])


@pytest.mark.parametrize(
    "expected, got, kind",
    [
        (E, 2 * E, "toutes les valeurs sont multipliées par 2 ;"),
        (E, E / 7, "toutes les valeurs sont divisées par 7 ;"),
        (E, 1.37 * E, "toutes les valeurs sont multipliées par un même facteur ≈ 1.37 ;"),
        (E, -E, "toutes les valeurs ont le signe opposé (obtenu = −attendu) ;"),
        (SQUARE, SQUARE.T, "le tableau obtenu est la transposée du tableau attendu ;"),
        (E, E - 0.25, "toutes les valeurs sont décalées d'une même quantité : obtenu − attendu = −0.25 ;"),
        (E, E + np.array([1.0, 0.0, 2.0]), "chaque ligne est décalée du même vecteur"),
        (SERIES, np.r_[SERIES[1:], 0.0], "décalées d'un rang : obtenu[i] = attendu[i+1] pour i de 0 à 3 ;"),
        (E, np.where(np.arange(3) == 2, 0.0, E), "seule la colonne 2 diffère ;"),
        (E, np.where(np.arange(2)[:, None] == 0, 0.0, E), "seule la ligne 0 diffère ;"),
        (
            np.linspace(-1, 1, 9),
            np.maximum(np.linspace(-1, 1, 9), 0),
            "les valeurs qui diffèrent sont exactement celles dont la valeur attendue est négative ;",
        ),
        (E, 0 * E, "toutes les valeurs obtenues sont nulles ;"),
        (2.5, -2.5, "le signe est inversé (obtenu = −attendu) ; attendu 2.5, obtenu -2.5"),
        (2.5, 30.0, "la valeur obtenue est la valeur attendue multipliée par 12 ;"),
    ],
)
def test_the_kind_of_difference_is_said_before_the_numbers(expected, got, kind):
    problem = differs(expected, got)
    assert kind in problem and problem.index(kind) < problem.index("attendu ")


def test_no_kind_is_claimed_when_none_holds():
    rng = np.random.default_rng(0)
    expected = rng.normal(size=(4, 5))
    problem = differs(expected, expected + rng.normal(size=(4, 5)))
    assert problem.startswith("le résultat : 20 valeur(s) sur 20 diffèrent ; à l'indice (0, 0)")
    assert differs(3.0, 3.7) == "le résultat : attendu 3, obtenu 3.7"


def test_a_wrong_shape_that_holds_the_transposed_values_is_told_so():
    assert differs(E, E.T) == (
        "le résultat a la forme (3, 2), la forme attendue est (2, 3) : c'est la transposée du tableau attendu"
    )


def test_nan_is_located():
    got = E.copy()
    got[1, 1] = np.nan
    assert "contient NaN (1 valeur(s) sur 6, la première à l'indice (1, 1))" in differs(E, got)


def test_numbers_are_shown_with_the_digits_that_tell_them_apart():
    assert differs(0.02342853, 0.02342847) == "le résultat : attendu 0.02342853, obtenu 0.02342847"
    problem = differs(np.array([1.0, 0.02342853]), np.array([1.0, 0.02342847]))
    assert "attendu 0.02342853, obtenu 0.02342847" in problem and "[1, 0.02342847]" in problem


# -------------------------------------------------------------------------------- case described
def test_arguments_are_described_once_and_booleans_as_python_writes_them():
    args = (np.zeros(4), 0.5, True, np.zeros((2, 3)))
    names = ["val_losses", "p", "training", "W"]
    assert describe_args(args, names, "val_losses = [0.3, 0.2, …]") == "p = 0.5, training = True, W de forme (2, 3)"
    verdict = check_against_reference(
        lambda v, p, t, w: v.sum() + 1,
        lambda v, p, t, w: v.sum(),
        [Case("val_losses = [0, 0, 0, 0], p = 0.5, training = True, W de forme (2, 3)", args)],
        name="f",
        arg_names=names,
    )
    assert "(val_losses = [0, 0, 0, 0], p = 0.5, training = True, W de forme (2, 3)) :" in verdict.message


# --------------------------------------------------------------------------------------- float32
def test_float32_answers_are_judged_like_float64_ones():
    expected = np.array([0.1, 0.2, 0.3])
    assert differs(expected, expected.astype(np.float32)) is None
    assert differs(0.1, np.float32(0.1)) is None
    drifted = expected * (1 + 3e-5)  # 60 float32 steps of a training drift this far, even once cast back to float64
    assert differs(expected, drifted) is not None
    assert difference(expected, drifted, what="r", **float32_tolerance(60, terms=5)) is None


def test_float32_tolerance_grows_with_the_computation_and_keeps_the_float64_floor():
    small, large = float32_tolerance(1), float32_tolerance(60, scale=10.0, terms=5)
    assert small["rtol"] == 1e-6, "never below the float64 default"
    assert large["rtol"] > small["rtol"] and large["atol"] == pytest.approx(10 * large["rtol"])
    assert large["rtol"] < 1e-3, "a wrong trajectory (a forgotten 1/N) still fails"


# ------------------------------------------------------------------------------ inputs unchanged
def kernel_student(namespace, name):
    """The student as the grader sees it at grading time: requests and answers through the kernel
    side's wire format (JSON text both ways), without a kernel."""

    def ask(request):
        answer = kernel_side._answer(json.loads(json.dumps(request)), namespace)
        return read_answer(kernel_side.dumps(answer))

    return KernelStudent(name, "function", "function", ask=ask)


def l1_aliasing(W, lam):
    G = W  # the caller's array itself
    G[...] = np.sign(G) * np.maximum(np.abs(G) - lam, 0.0)
    return G


def l1_in_place_but_right(W, lam):
    result = np.sign(W) * np.maximum(np.abs(W) - lam, 0.0)
    W[...] = 0.0
    return result


@pytest.mark.parametrize("local", [True, False], ids=["local", "kernel"])
def test_a_function_that_overwrites_its_argument_is_caught_in_both_paths_and_the_reference_is_not(local):
    def student(function):
        return LocalStudent.of(function) if local else kernel_student({"soft_threshold": function}, "soft_threshold")

    assert run_check("td8.regularisation_mnist.soft_threshold", student(td8.soft_threshold)).passed
    verdict = run_check("td8.regularisation_mnist.soft_threshold", student(l1_in_place_but_right))
    assert not verdict.passed
    assert verdict.message.startswith("`soft_threshold` a modifié son argument `W` en place — cas ")
    assert "une fonction ne doit pas changer les tableaux qu'on lui donne" in verdict.message
    assert "W.copy()" in verdict.message
    assert (
        "a modifié son argument `W` en place"
        in run_check("td8.regularisation_mnist.soft_threshold", student(l1_aliasing)).message
    )


@pytest.mark.parametrize("local", [True, False], ids=["local", "kernel"])
def test_arrays_inside_a_tuple_argument_count_too(local):
    def step(params, eta):
        W1, b1 = params
        W1 -= eta  # the caller's W1
        return W1 + b1

    def reference(params, eta):
        return params[0] - eta + params[1]

    student = LocalStudent.of(step) if local else kernel_student({"step": step}, "step")
    cases = [Case("N = 2", ((np.ones((2, 2)), np.zeros(2)), 0.1))]
    verdict = check_against_reference(student, reference, cases, name="step", arg_names=["params", "eta"])
    assert "a modifié `params[0]` (dans son argument `params`) en place" in verdict.message
    assert "params[0].copy()" in verdict.message
    assert check_against_reference(student, reference, cases, name="step", unchanged=False).passed


def test_what_the_kernel_says_of_the_inputs_is_checked_against_the_graders_own_copy():
    args = (np.ones(3), (np.zeros(2), 4.0))
    assert changed_inputs(args, [[[0], np.ones(3)]]) == [], "same values: not changed"
    assert changed_inputs(args, [[[1, 0], np.ones(2)]]) == [(1, 0)]
    assert changed_inputs(args, [[[1, 1], np.ones(2)], [[7], np.ones(3)], "x", [[[0]], None]]) == [], (
        "a path that names no array of the inputs is ignored"
    )
    assert changed_inputs(args, {"t": "not a list"}) == []


def test_the_kernel_answers_in_one_request_and_sends_back_only_the_changed_arrays():
    namespace = {"f": lambda a, b: a.sum() + b.sum(), "g": l1_in_place_but_right}
    args = kernel_side.encode((np.ones(3), np.float64(0.5)), strict=True)
    quiet = kernel_side._answer({"name": "f", "driver": "call", "args": args, "watch": True}, namespace)
    assert quiet == {"value": 3.5, "changed": []}
    loud = kernel_side._answer({"name": "g", "driver": "call", "args": args, "watch": True}, namespace)
    assert [path for path, _ in loud["changed"]] == [[0]] and not loud["changed"][0][1].any()
    assert "changed" not in kernel_side._answer({"name": "f", "driver": "call", "args": args}, namespace)


def test_class_drivers_build_their_own_inputs_and_are_not_watched():
    from autograde.td5.autograd.solution import Value

    calls = []

    class Spy(LocalStudent):
        def watched(self, *args, watch=True):
            calls.append((self.driver, watch))
            return super().watched(*args, watch=watch)

    check_against_reference(
        Spy("square", "function", "function", target=np.square), np.square, [Case("a", (np.ones(2),))], name="square"
    )
    check_against_reference(
        Spy("Value", "class", "type", target=Value),
        Value,
        [Case("exp", ("exp", 0.5, 0.0, 1.0))],
        name="Value",
        driver="value_unary",
    )
    assert calls == [("call", True), ("value_unary", False)]


# ----------------------------------------------------------------------- an answer in float32
def test_an_answer_computed_in_float32_is_compared_at_float32_precision():
    rng = np.random.default_rng(0)
    expected = rng.normal(size=(5, 4)) * 100
    expected[0, 0] = 0.0  # comes out of a float32 cancellation as a round-off of its neighbours
    rounded = expected.astype(np.float32)
    rounded[0, 0] = 3e-6
    nudged = rounded * np.float32(1 + 3e-5)
    assert differs(expected, nudged) is None
    assert differs(expected, nudged.astype(np.float64)) is not None  # the same numbers in float64: too far
    assert differs(expected, (2 * expected).astype(np.float32)).startswith(
        "le résultat : toutes les valeurs non nulles sont multipliées par 2"
    )
    assert differs(expected, (expected * (1 + 1e-3)).astype(np.float32)) is not None
    assert differs(np.float64(0.1), np.float32(0.1)) is None
    assert differs(np.float64(0.1), np.float32(0.1001)) is not None


def test_a_float32_student_keeps_the_points_of_a_float64_one():
    def sgd_momentum_step_float32(theta, grad, velocity, eta, beta):
        theta, grad, velocity = (a.astype(np.float32) for a in (theta, grad, velocity))
        velocity = np.float32(beta) * velocity + grad
        return theta - np.float32(eta) * velocity, velocity

    assert run_check("td8.optimiseurs.sgd_momentum_step", sgd_momentum_step_float32).passed


def test_a_yes_or_no_answer_reads_true_or_false():
    assert differs((3, True), (3, False), names=("best_epoch", "stop")) == "stop : attendu True, obtenu False"
    assert differs((3, True), (3, True), names=("best_epoch", "stop")) is None
