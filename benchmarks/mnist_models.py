"""Training time and test accuracy of the two MNIST models of the course beside scikit-learn's.

    .venv/bin/python benchmarks/mnist_models.py [--threads 1]

Same data for all four: the MNIST digits of ``MNIST_DIR`` (default ``data/mnist`` of the
repository), ``train_test_split(images, labels, test_size=0.2, random_state=42)``, pixels / 255.

- TD 3 reference softmax regression (``autograde.td3.softmax_mnist.solution``): lr 0.1, batch 32,
  20 epochs, W = 0;
- TD 6 reference MLP (``autograde.td6.mlp_numpy.solution``): 128 ReLU, weights N(0, 0.01²), batch 32, the lr and
  epochs its notebook's selection retains on ``data/mnist`` (0.5, 10);
- scikit-learn ``LogisticRegression(max_iter=1000)`` (multinomial, L-BFGS, its default L2 C = 1);
- scikit-learn ``MLPClassifier(hidden_layer_sizes=(128,), random_state=0)`` (Adam, its defaults).

The numpy references run on ``--threads`` BLAS threads (default 1: their mini-batch products are
small, and several threads mostly wait for each other); scikit-learn runs with the same limit.
"""

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def load_split():
    from sklearn.model_selection import train_test_split

    from autograde.mnist import load_mnist

    folder = os.environ.get("MNIST_DIR") or str(REPO / "data" / "mnist")
    images, labels = load_mnist(folder, online=False)
    X_train, X_test, y_train, y_test = train_test_split(images, labels, test_size=0.2, random_state=42)
    return X_train / 255.0, X_test / 255.0, y_train, y_test


def softmax_regression(X_train, y_train, X_test):
    from autograde.td3.softmax_mnist import solution as ref

    Y = ref.one_hot(y_train, ref.NUM_CLASSES)
    # No validation set here: the history's validation curve (on the training digits again) is not used.
    W, b, _ = ref.train(X_train, Y, X_train, Y, ref.ETA, ref.EPOCHS, ref.BATCH_SIZE, ref.SEED)
    return ref.predict(X_test, W, b)


def mlp(X_train, y_train, X_test):
    from autograde.td6.mlp_numpy import solution as ref

    params0 = ref.init_params(X_train.shape[1], ref.HIDDEN, ref.NUM_CLASSES, ref.INIT_SEED)
    Y = ref.one_hot(y_train, ref.NUM_CLASSES)
    eta, epochs = ref.RETAINED_ON_DATA_MNIST  # the notebook's selection on data/mnist (tests/unit/test_td6_mlp.py)
    # No validation set here: the history's validation curve (on the training digits again) is not used.
    params, _ = ref.train(X_train, Y, X_train, Y, params0, eta, epochs, ref.BATCH_SIZE, ref.SEED)
    return ref.predict(X_test, params)


def sklearn_logistic(X_train, y_train, X_test):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000).fit(X_train, y_train).predict(X_test)


def sklearn_mlp(X_train, y_train, X_test):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=(128,), random_state=0).fit(X_train, y_train).predict(X_test)


MODELS = [
    ("TD 3 softmax regression (reference, numpy)", softmax_regression),
    ("TD 6 MLP 128 ReLU (reference, numpy)", mlp),
    ("sklearn LogisticRegression", sklearn_logistic),
    ("sklearn MLPClassifier(128,)", sklearn_mlp),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    X_train, X_test, y_train, y_test = load_split()
    print(f"train {X_train.shape}, test {X_test.shape}, BLAS threads: {args.threads}\n")
    print(f"{'model':45s} {'train time':>10s} {'test accuracy':>14s}")
    with threadpool_limits(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's ConvergenceWarning: the figures say enough
        for name, fit_predict in MODELS:
            start = time.perf_counter()
            try:
                y_pred = fit_predict(X_train, y_train, X_test)
            except ImportError as error:  # the TD 3 module is written in parallel: say so, go on
                print(f"{name:45s} {'-':>10s} {'-':>14s}  (unavailable: {error})")
                continue
            seconds = time.perf_counter() - start
            print(f"{name:45s} {seconds:9.1f}s {np.mean(y_pred == y_test):14.4f}", flush=True)


if __name__ == "__main__":
    main()
