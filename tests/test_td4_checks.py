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
                n[i] = (f(*params[:k], p + step, *params[k + 1:]) - f(*params[:k], p - step, *params[k + 1:])) / (2 * h)
            out.append(error(g, n))
        return tuple(out)
    return gradient_check


def test_gradient_check_with_its_own_differences_and_another_guard_passes():
    """Another way of protecting 0/0 (eps added, or np.where) and a numerical gradient of one's own."""
    added = gradient_check_with(lambda a, n: np.max(np.abs(a - n) / (np.abs(a) + np.abs(n) + 1e-12)))
    where = gradient_check_with(lambda a, n: np.max(np.where(np.abs(a) + np.abs(n) == 0, 0.0,
                                                             np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-300))))
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
    verdict = run_check("td4.reseau_2_3_1.gradient_check",
                        gradient_check_with(lambda a, n: np.max(np.abs(a - n) / np.maximum(1e-12, np.abs(a)))), seed=0)
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
    assert "l'élément n°2 du résultat a la forme (3, 1), la forme attendue est (3,)" in verdict.message


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
    assert run_check("td4.reseau_2_3_1.count_parameters",
                     lambda sizes: float(sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))), seed=3).passed
