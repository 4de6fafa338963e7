"""TD 4's hidden-test checks on answers the catalogue does not list: correct variants pass, others are
told what differs."""
import numpy as np

from autograde import run_check


def test_numerical_gradient_restoring_by_additions_passes():
    """θᵢ + h − 2h + h may differ from θᵢ by a rounding error: that is not 'not restored'."""
    def numerical_gradient(f, theta, h=1e-5):
        grad = np.zeros_like(theta)
        it = np.nditer(theta, flags=["multi_index"])
        for _ in it:
            i = it.multi_index
            theta[i] += h
            f_plus = f(theta)
            theta[i] -= 2 * h
            f_minus = f(theta)
            theta[i] += h
            grad[i] = (f_plus - f_minus) / (2 * h)
        return grad

    for seed in range(5):
        verdict = run_check("backprop.numerical_gradient", numerical_gradient, seed=seed)
        assert verdict.passed, verdict.message


def test_numerical_gradient_for_vectors_only_is_told_the_failing_case():
    def numerical_gradient(f, theta, h=1e-5):
        grad = np.zeros(len(theta))
        for i in range(len(theta)):
            e = np.zeros(len(theta))
            e[i] = h
            grad[i] = (f(theta + e) - f(theta - e)) / (2 * h)
        return grad

    verdict = run_check("backprop.numerical_gradient", numerical_gradient, seed=0)
    assert not verdict.passed and verdict.mistake is None
    assert "θ matrice" in verdict.message


def test_backward_with_a_column_bias_is_told_the_shapes():
    def backward(x, y, W1, b1, W2, b2):
        z1, a1, z2, y_hat, L = forward(x, y, W1, b1, W2, b2)  # noqa: F821 - the reference forward is substituted
        dz2 = (y_hat - y) / len(x) * y_hat * (1 - y_hat)
        dz1 = dz2 @ W2 * a1 * (1 - a1)
        return dz1.T @ x, dz1.sum(axis=0, keepdims=True).T, dz2.T @ a1, dz2.sum(axis=0)

    verdict = run_check("backprop.backward", backward, seed=0)
    assert not verdict.passed and verdict.mistake is None
    assert "l'élément n°2 du résultat a la forme (3, 1), la forme attendue est (3,)" in verdict.message


def test_forward_returning_a_dict_is_told_a_tuple_is_expected():
    def forward(x, y, W1, b1, W2, b2):
        z1 = x @ W1.T + b1
        a1 = 1 / (1 + np.exp(-z1))
        z2 = a1 @ W2.T + b2
        y_hat = 1 / (1 + np.exp(-z2))
        return {"z1": z1, "a1": a1, "z2": z2, "y_hat": y_hat, "L": np.mean((y_hat - y) ** 2) / 2}

    verdict = run_check("backprop.forward", forward, seed=0)
    assert not verdict.passed and "tuple de 5 éléments" in verdict.message


def test_count_parameters_accepts_a_float_result_and_a_tuple_argument_style():
    assert run_check("backprop.count_parameters", lambda sizes: float(sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))),
                     seed=3).passed

