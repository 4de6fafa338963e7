"""TD 4: the notebooks compute what the reference solution computes (data, gradient check, XOR training,
vanishing-gradient curves), and the reference's derivatives are right."""

import numpy as np
import pytest
from conftest import SOURCE, run_in_process

from autograde.td4.activations import solution as act
from autograde.td4.reseau_2_3_1 import solution as bp
from autograde.td4.reseau_2_3_1.mistakes import MISTAKES

TD4 = SOURCE / "td4_retropropagation"


@pytest.fixture(scope="module")
def reseau():
    return run_in_process(TD4 / "01_reseau_2_3_1.ipynb")


@pytest.fixture(scope="module")
def activations_nb():
    return run_in_process(TD4 / "02_activations.ipynb")


def network_loss(X, y):
    return lambda W1, b1, W2, b2: bp.forward(X, y, W1, b1, W2, b2)[-1]


def test_gradient_check_data_are_the_reference_ones_and_agree_to_1e_7(reseau):
    X, y, W1, b1, W2, b2 = bp.make_example()
    for name, value in zip(["X", "y", "W1", "b1", "W2", "b2"], (X, y, W1, b1, W2, b2)):
        assert np.array_equal(reseau[name], value), name
    assert set(reseau["errors"]) == {"W1", "b1", "W2", "b2"}
    assert all(error < bp.TOLERANCE for error in reseau["errors"].values())
    for name, grad in zip(["W1", "b1", "W2", "b2"], bp.backward(X, y, W1, b1, W2, b2)):
        assert np.allclose(reseau["analytic"][name], grad, rtol=1e-12, atol=0)
    expected = bp.gradient_check(network_loss(X, y), (W1, b1, W2, b2), bp.backward(X, y, W1, b1, W2, b2))
    # Errors near 1e-10 are rounding: the notebook and the reference agree on them to that level only.
    assert np.allclose(list(reseau["errors"].values()), expected, rtol=0, atol=1e-9)


def test_the_weights_follow_the_course_convention(reseau):
    """Z = X @ W + b with W of shape (n_in, n_out): W1 (2, 3), W2 (3, 1), and no transposed weight forward."""
    assert reseau["W1"].shape == (2, 3) and reseau["W2"].shape == (3, 1)
    for notebook in ("01_reseau_2_3_1", "02_activations"):
        text = (TD4 / f"{notebook}.ipynb").read_text(encoding="utf-8")
        for transposed in ("@ W1.T", "@ W2.T + b", "inputs[-1] @ W.T", "X @ (W2 @ W1).T"):
            assert transposed not in text, (notebook, transposed)


def test_a_wrong_backward_fails_the_notebooks_gradient_check():
    X, y, W1, b1, W2, b2 = bp.make_example()
    params = (W1, b1, W2, b2)
    wrong = MISTAKES["backward"][-1].compute(X, y, W1, b1, W2, b2)  # not divided by N
    assert min(bp.gradient_check(network_loss(X, y), params, wrong)) > 1e-2
    assert max(bp.gradient_check(network_loss(X, y), params, bp.backward(X, y, *params))) < bp.TOLERANCE


def test_reference_gradients_match_centred_differences_on_every_parameter():
    rng = np.random.default_rng(5)
    for N in (1, 7):
        X, y = rng.normal(size=(N, 2)), rng.uniform(size=(N, 1))
        params = (rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(3, 1)), rng.normal(size=1))
        kept = [p.copy() for p in params]
        errors = bp.gradient_check(network_loss(X, y), params, bp.backward(X, y, *params))
        assert len(errors) == 4 and max(errors) < bp.TOLERANCE
        assert all(np.array_equal(p, k) for p, k in zip(params, kept)), "numerical_gradient leaves theta as it was"


def test_the_relative_error_is_guarded_where_both_gradients_are_0():
    assert bp.relative_error(np.array([0.0, 2.0]), np.array([0.0, 1.0])) == pytest.approx(1 / 3)


def test_xor_training_in_the_notebook_is_the_reference_one(reseau):
    W1, b1, W2, b2, losses = bp.train_xor()
    assert np.allclose(reseau["xor_losses"], losses)
    for got, expected in zip(reseau["params"], (W1, b1, W2, b2)):
        assert np.allclose(got, expected)
    predictions = bp.forward(reseau["X_xor"], reseau["y_xor"], W1, b1, W2, b2)[3]
    assert np.array_equal(predictions.ravel() > 0.5, [False, True, True, False])


def test_count_parameters_of_the_sheet():
    assert bp.count_parameters([2, 3, 1]) == 13
    assert bp.count_parameters((784, 128, 10)) == 784 * 128 + 128 + 128 * 10 + 10


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu"])
def test_reference_derivatives_match_centred_differences(name):
    f, f_prime = getattr(act, name), getattr(act, f"{name}_prime")
    z = np.concatenate([np.linspace(-8, -0.01, 50), np.linspace(0.01, 8, 50)])
    numeric = (f(z + 1e-6) - f(z - 1e-6)) / 2e-6
    assert np.allclose(f_prime(z), numeric, rtol=1e-6, atol=1e-8)


def test_vanishing_gradient_curves_in_the_notebook_are_the_reference_ones(activations_nb):
    curves = act.vanishing_gradient()
    assert np.array_equal(activations_nb["depths"], act.VG_DEPTHS)
    assert np.allclose(activations_nb["norms_sigmoid"], curves["sigmoid"], rtol=1e-10)
    assert np.allclose(activations_nb["norms_relu"], curves["relu"], rtol=1e-10)


def test_the_sigmoid_gradient_vanishes_and_the_relu_one_far_more_slowly():
    curves = act.vanishing_gradient()
    sigmoid, relu = curves["sigmoid"], curves["relu"]
    assert sigmoid[-1] < 1e-8 * sigmoid[0]
    assert np.all(np.diff(np.log(sigmoid[::4])) < 0), "the sigmoid curve keeps going down"
    per_layer = {name: (curve[-1] / curve[0]) ** (1 / (len(curve) - 1)) for name, curve in curves.items()}
    assert per_layer["sigmoid"] < 0.35 < 0.5 < per_layer["relu"], per_layer  # σ' ≤ 1/4 at every layer; ReLU's is 1
    assert relu[-1] > 1e6 * sigmoid[-1]


def test_a_network_without_hidden_activation_is_one_neuron(activations_nb):
    assert np.allclose(activations_nb["two_layers"], activations_nb["one_neuron"])


def test_the_layer_functions_make_the_reference_backward():
    """Notebook 2's experiment runs on the student's layer_backward; the reference one, chained, is backward
    without the biases' gradients."""
    X, y, W1, b1, W2, b2 = bp.make_example()
    z1, a1, z2, y_hat, _ = bp.forward(X, y, W1, b1, W2, b2)
    dW1, _, dW2, _ = bp.backward(X, y, W1, b1, W2, b2)
    got_dW2, dA1 = act.layer_backward(act.mse_gradient(y_hat, y), z2, a1, W2, act.sigmoid_prime)
    got_dW1, dX = act.layer_backward(dA1, z1, X, W1, act.sigmoid_prime)
    assert np.allclose(got_dW2, dW2, rtol=1e-12) and np.allclose(got_dW1, dW1, rtol=1e-12)
    assert dX.shape == X.shape
