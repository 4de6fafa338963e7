"""The MNIST loader shipped with the TD 3, TD 6 and TD 8 notebooks: one file, three sources, says which."""

import gzip
import re
import struct

import numpy as np
import pytest
from conftest import MNIST_DIR, REPO

from autograde import mnist


def test_every_mnist_assignment_ships_the_reference_loader():
    reference = (REPO / "autograde" / "mnist.py").read_bytes()
    for assignment in ("td3_mnist_softmax", "td6_mlp_mnist", "td7_regularisation", "td8_optimiseurs"):
        assert (REPO / "source" / assignment / "mnist.py").read_bytes() == reference, assignment


def test_the_repository_ships_the_10000_test_digits_with_their_checksums():
    import hashlib

    expected = dict(re.findall(r"\| (t10k-\S+) \| ([0-9a-f]{64}) \|", (MNIST_DIR / "README.md").read_text()))
    assert sorted(expected) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    for name, digest in expected.items():
        assert hashlib.sha256((MNIST_DIR / name).read_bytes()).hexdigest() == digest, name


def test_reads_the_idx_folder_of_the_repository_and_says_so(capsys):
    images, labels = mnist.load_mnist(MNIST_DIR, online=False)
    assert images.shape == (10_000, 784) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert "dossier IDX" in capsys.readouterr().out


def test_environment_variable_gives_the_folder(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MNIST_DIR", str(MNIST_DIR))
    assert mnist.load_mnist(online=False)[0].shape == (10_000, 784)
    assert str(MNIST_DIR.resolve()) in capsys.readouterr().out


def write_idx(folder, prefix, images, labels, compress):
    opener = gzip.open if compress else open
    suffix = ".gz" if compress else ""
    with opener(folder / f"{prefix}-images-idx3-ubyte{suffix}", "wb") as f:
        f.write(struct.pack(">IIII", 2051, len(images), 28, 28) + images.tobytes())
    with opener(folder / f"{prefix}-labels-idx1-ubyte{suffix}", "wb") as f:
        f.write(struct.pack(">II", 2049, len(labels)) + labels.tobytes())


def test_train_and_test_parts_are_concatenated_train_first(tmp_path):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    test = rng.integers(0, 256, size=(2, 28, 28), dtype=np.uint8)
    write_idx(tmp_path, "train", train, np.array([1, 2, 3], np.uint8), compress=False)
    write_idx(tmp_path, "t10k", test, np.array([4, 5], np.uint8), compress=True)
    images, labels = mnist.load_idx_folder(tmp_path)
    assert np.array_equal(images, np.concatenate([train, test]).reshape(5, 784))
    assert labels.tolist() == [1, 2, 3, 4, 5]


def test_a_file_that_is_not_idx_is_refused(tmp_path):
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(struct.pack(">II", 1234, 0))
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(struct.pack(">II", 2049, 0))
    with pytest.raises(ValueError, match="nombre magique"):
        mnist.load_idx_folder(tmp_path)


def test_without_files_nor_network_it_falls_back_to_digits_and_says_what_is_missing(tmp_path, capsys):
    images, labels = mnist.load_mnist(tmp_path / "absent", online=False)
    out = capsys.readouterr().out
    assert images.shape == (1797, 64) and images.max() == 255 and set(labels) == set(range(10))
    assert "absent" in out and "load_digits" in out and "MNIST_DIR" in out


def test_offline_openml_failure_is_reported_then_falls_back(tmp_path, monkeypatch, capsys):
    def no_network():
        raise OSError("réseau injoignable")

    monkeypatch.setattr(mnist, "_from_openml", no_network)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MNIST_DIR", raising=False)
    images, _ = mnist.load_mnist()
    assert images.shape[1] == 64
    assert "réseau injoignable" in capsys.readouterr().out
