"""TD 4's hidden-test checks on answers the catalogue does not list: correct variants pass, others are
told what differs."""

import numpy as np

from autograde import run_check


def gradient_check_with(error):
    """A gradient_check measuring each parameter with ``error(a, n)``, the numerical gradient TD 1's."""

    def gradient_check(f, params, grads, h=1e-5):
        out = []
        for k, (p, g) in enumerate(zip(params, grads)):
            n = np.zeros(p.shape)
            for i in np.ndindex(p.shape):
                step = np.zeros(p.shape)
                step[i] = h
                n[i] = (f(*params[:k], p + step, *params[k + 1 :]) - f(*params[:k], p - step, *params[k + 1 :])) / (
                    2 * h
                )
            out.append(error(g, n))
        return tuple(out)

    return gradient_check


def test_gradient_check_with_its_own_differences_and_another_guard_passes():
    """Another way of protecting 0/0 (eps added, or np.where) and a numerical gradient of one's own."""
    added = gradient_check_with(lambda a, n: np.max(np.abs(a - n) / (np.abs(a) + np.abs(n) + 1e-12)))
    where = gradient_check_with(
        lambda a, n: np.max(
            np.where(np.abs(a) + np.abs(n) == 0, 0.0, np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-300))
        )
    )
    for seed in range(4):
        for student in (added, where):
            verdict = run_check("td4.reseau_2_3_1.gradient_check", student, seed=seed)
            assert verdict.passed, verdict.message


def test_gradient_check_returning_a_list_is_told_a_tuple_is_expected():
    right = gradient_check_with(lambda a, n: np.max(np.abs(a - n) / np.maximum(1e-12, np.abs(a) + np.abs(n))))

    def gradient_check(f, params, grads, h=1e-5):
        return list(right(f, params, grads, h))

    verdict = run_check("td4.reseau_2_3_1.gradient_check", gradient_check, seed=0)
    assert not verdict.passed and verdict.mistake is None
    assert "doit être un tuple" in verdict.message


def test_gradient_check_relative_to_the_analytic_gradient_only_is_told_the_failing_case():
    verdict = run_check(
        "td4.reseau_2_3_1.gradient_check",
        gradient_check_with(lambda a, n: np.max(np.abs(a - n) / np.maximum(1e-12, np.abs(a)))),
        seed=0,
    )
    assert not verdict.passed and verdict.mistake is None
    assert "une case de dW fausse" in verdict.message


def test_backward_with_a_column_bias_is_told_the_shapes():
    def backward(x, y, W1, b1, W2, b2):
        z1, a1, z2, y_hat, L = forward(x, y, W1, b1, W2, b2)  # noqa: F821 - the reference forward is substituted
        dz2 = (y_hat - y) / len(x) * y_hat * (1 - y_hat)
        dz1 = dz2 @ W2.T * a1 * (1 - a1)
        return x.T @ dz1, dz1.sum(axis=0, keepdims=True).T, a1.T @ dz2, dz2.sum(axis=0)

    verdict = run_check("td4.reseau_2_3_1.backward", backward, seed=0)
    assert not verdict.passed and verdict.mistake is None
    assert ") : db1 a la forme (3, 1), la forme attendue est (3,)" in verdict.message


def test_forward_returning_a_dict_is_told_a_tuple_is_expected():
    def forward(x, y, W1, b1, W2, b2):
        z1 = x @ W1 + b1
        a1 = 1 / (1 + np.exp(-z1))
        z2 = a1 @ W2 + b2
        y_hat = 1 / (1 + np.exp(-z2))
        return {"z1": z1, "a1": a1, "z2": z2, "y_hat": y_hat, "L": np.mean((y_hat - y) ** 2) / 2}

    verdict = run_check("td4.reseau_2_3_1.forward", forward, seed=0)
    assert not verdict.passed and "tuple de 5 éléments" in verdict.message


def test_forward_with_the_weights_of_the_old_convention_is_told_the_shapes():
    """W1 used as (3, 2) with x @ W1.T: a shape error, which the student is shown."""

    def forward(x, y, W1, b1, W2, b2):
        z1 = x @ W1.T + b1
        a1 = 1 / (1 + np.exp(-z1))
        z2 = a1 @ W2.T + b2
        y_hat = 1 / (1 + np.exp(-z2))
        return z1, a1, z2, y_hat, np.mean((y_hat - y) ** 2) / 2

    verdict = run_check("td4.reseau_2_3_1.forward", forward, seed=0)
    assert not verdict.passed and verdict.mistake is None
    assert "ValueError" in verdict.message


def test_count_parameters_accepts_a_float_result_and_a_tuple_argument_style():
    assert run_check(
        "td4.reseau_2_3_1.count_parameters",
        lambda sizes: float(sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))),
        seed=3,
    ).passed


# ---------------------------------------------------------------- the step h, at its default and passed on
def test_gradient_check_that_never_passes_h_on_fails_on_the_cases_with_another_step():
    """The numerical gradient called without h uses 1e-5 whatever h the caller gave."""

    def gradient_check(f, params, grads, h=1e-5):
        errors = []
        for k in range(len(params)):
            n = numerical_gradient(lambda theta: f(*params[:k], theta, *params[k + 1 :]), params[k])  # noqa: F821
            errors.append(np.max(np.abs(grads[k] - n) / np.maximum(1e-12, np.abs(grads[k]) + np.abs(n))))
        return tuple(errors)

    for seed in (None, 0, 1):
        verdict = run_check("td4.reseau_2_3_1.gradient_check", gradient_check, seed=seed)
        assert not verdict.passed and verdict.mistake == "reseau_2_3_1.gradient_check/h_not_passed"
        assert "le pas h reçu n'est pas utilisé" in verdict.message


def test_gradient_check_that_never_passes_h_on_fails_every_case_with_another_step():
    """Each case with h ≠ 1e-5 fails such a function on its own: its error is far above the tolerance."""
    from autograde.checking import check_against_reference
    from autograde.td4.reseau_2_3_1 import checks, solution
    from autograde.td4.reseau_2_3_1.mistakes import wrong_gradient_check

    other_steps = [case for case in checks._gradient_check_cases(np.random.default_rng(0)) if len(case.args) == 4]
    assert len(other_steps) == 2
    for case in other_steps:
        verdict = check_against_reference(
            wrong_gradient_check(pass_h=False),
            solution.gradient_check,
            [case],
            name="gradient_check",
            fields=checks._error_names,
            rtol=1e-6,
            atol=1e-8,
            helpers=checks.ISOLATED["gradient_check"],
        )
        assert not verdict.passed and ") : l'erreur de W : attendu" in verdict.message, case.label


def test_gradient_check_with_another_default_step_fails():
    right = gradient_check_with(lambda a, n: np.max(np.abs(a - n) / np.maximum(1e-12, np.abs(a) + np.abs(n))))

    def gradient_check(f, params, grads, h=2e-5):
        return right(f, params, grads, h)

    verdict = run_check("td4.reseau_2_3_1.gradient_check", gradient_check, seed=0)
    assert not verdict.passed and verdict.mistake is None


# ------------------------------------------------------------------------------- inputs left as given
def test_gradient_check_shifting_each_entry_in_place_and_back_passes():
    """θᵢ += h, θᵢ −= 2h, θᵢ += h leaves θᵢ a few units of round-off away: the caller's θ is unchanged."""

    def gradient_check(f, params, grads, h=1e-5):
        errors = []
        for k, theta in enumerate(params):
            n = np.zeros(theta.shape)
            for i in np.ndindex(theta.shape):
                theta[i] += h
                plus = f(*params)
                theta[i] -= 2 * h
                minus = f(*params)
                theta[i] += h
                n[i] = (plus - minus) / (2 * h)
            errors.append(np.max(np.abs(grads[k] - n) / np.maximum(1e-12, np.abs(grads[k]) + np.abs(n))))
        return tuple(errors)

    verdict = run_check("td4.reseau_2_3_1.gradient_check", gradient_check, seed=0)
    assert verdict.passed, verdict.message


def test_gradient_check_writing_into_the_given_gradients_is_told_so():
    def gradient_check(f, params, grads, h=1e-5):
        errors = []
        for k in range(len(params)):
            n = numerical_gradient(lambda theta: f(*params[:k], theta, *params[k + 1 :]), params[k], h)  # noqa: F821
            scale = np.maximum(1e-12, np.abs(grads[k]) + np.abs(n))
            gap = grads[k]  # an alias of the caller's gradient…
            gap -= n  # …written into here
            errors.append(np.max(np.abs(gap) / scale))
        return tuple(errors)

    verdict = run_check("td4.reseau_2_3_1.gradient_check", gradient_check, seed=0)
    assert not verdict.passed
    assert verdict.message.startswith(
        "`gradient_check` a modifié `grads[0]` et `grads[1]` (dans son argument `grads`) en place — cas 1/6"
    ), verdict.message


def test_relu_prime_writing_into_z_is_told_it_changed_z_in_place():
    def relu_prime(z):
        if np.ndim(z) == 0:
            return 1.0 if z > 0 else 0.0
        z[z > 0] = 1.0
        z[z <= 0] = 0.0
        return z

    verdict = run_check("td4.activations.relu_prime", relu_prime, seed=0)
    assert not verdict.passed and "`relu_prime` a modifié son argument `z` en place" in verdict.message


def backward_of_the_course(x, y, W1, b1, W2, b2):
    a1 = 1 / (1 + np.exp(-(x @ W1 + b1)))
    y_hat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    dz2 = (y_hat - y) / len(x) * y_hat * (1 - y_hat)
    dz1 = dz2 @ W2.T * a1 * (1 - a1)
    return x.T @ dz1, dz1.sum(axis=0), a1.T @ dz2, dz2.sum(axis=0)


def test_backward_updating_the_weights_in_place_is_told_so():
    def backward(x, y, W1, b1, W2, b2):
        grads = backward_of_the_course(x, y, W1, b1, W2, b2)
        W1 -= 0.1 * grads[0]  # a step of training slipped into backward
        return grads

    verdict = run_check("td4.reseau_2_3_1.backward", backward, seed=0)
    assert not verdict.passed and "`backward` a modifié son argument `W1` en place" in verdict.message


# ---------------------------------------------------------------------- the convention at z = 0, isolation
def test_relu_prime_worth_1_at_0_is_told_the_case_at_0():
    verdict = run_check("td4.activations.relu_prime", lambda z: np.where(np.asarray(z) >= 0, 1.0, 0.0), seed=0)
    assert not verdict.passed and "z = 0 exactement" in verdict.message


def test_leaky_relu_prime_is_judged_with_the_reference_relu_prime():
    namespace = {"np": np}
    exec(
        "def relu_prime(z):\n"
        "    return np.maximum(0.0, z)\n"  # ReLU itself: the catalogue's first mistake
        "def leaky_relu_prime(z, alpha=0.01):\n"
        "    return relu_prime(z) + alpha * (1.0 - relu_prime(z))\n",
        namespace,
    )
    assert not run_check("td4.activations.relu_prime", namespace["relu_prime"]).passed
    verdict = run_check("td4.activations.leaky_relu_prime", namespace["leaky_relu_prime"])
    assert verdict.passed, verdict.message


# --------------------------------------------------------------------- messages name the quantity
def test_forward_with_a_wrong_loss_only_is_told_the_loss_differs():
    def forward(x, y, W1, b1, W2, b2):
        z1 = x @ W1 + b1
        a1 = 1 / (1 + np.exp(-z1))
        z2 = a1 @ W2 + b2
        y_hat = 1 / (1 + np.exp(-z2))
        return z1, a1, z2, y_hat, float(np.mean(np.abs(y_hat - y)) / 2)

    verdict = run_check("td4.reseau_2_3_1.forward", forward, seed=0)
    assert not verdict.passed and verdict.mistake is None and ") : la perte L : attendu" in verdict.message


def test_backward_with_a_wrong_hidden_bias_is_told_db1_differs():
    def backward(x, y, W1, b1, W2, b2):
        dW1, db1, dW2, db2 = backward_of_the_course(x, y, W1, b1, W2, b2)
        return dW1, db1 / len(x), dW2, db2

    verdict = run_check("td4.reseau_2_3_1.backward", backward, seed=0)
    assert not verdict.passed and verdict.mistake is None and ") : db1 : " in verdict.message


def test_gradient_check_leaving_a_parameter_shifted_is_told_to_put_it_back():
    def gradient_check(f, params, grads, h=1e-5):
        errors = []
        for k in range(len(params)):
            n = numerical_gradient(lambda theta: f(*params[:k], theta, *params[k + 1 :]), params[k], h)  # noqa: F821
            errors.append(np.max(np.abs(grads[k] - n) / np.maximum(1e-12, np.abs(grads[k]) + np.abs(n))))
        params[0].flat[0] += 1e-6  # far above round-off, far below what changes the errors
        return tuple(errors)

    verdict = run_check("td4.reseau_2_3_1.gradient_check", gradient_check, seed=0)
    assert not verdict.passed
    assert verdict.message.startswith(
        "`gradient_check` a modifié `params[0]` (dans son argument `params`) en place — cas 1/6"
    ), verdict.message
    assert "doit reprendre sa valeur de départ (old = theta[i], puis theta[i] = old)" in verdict.message
