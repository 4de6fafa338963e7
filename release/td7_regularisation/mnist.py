"""Chargement de MNIST pour les TD 3 et 6 (fichier fourni avec les notebooks).

    from mnist import load_mnist
    images, labels = load_mnist()          # images : (N, 784) uint8 dans [0, 255], labels : (N,) entiers 0–9

Sources essayées, dans l'ordre ; la fonction affiche celle qui a servi :

1. un dossier de fichiers IDX (``*-images-idx3-ubyte[.gz]`` et ``*-labels-idx1-ubyte[.gz]``), donné
   en argument ou par la variable d'environnement ``MNIST_DIR`` ; à défaut ``./mnist`` ou ``./data/mnist`` ;
2. ``sklearn.datasets.fetch_openml("mnist_784")`` si une connexion est disponible (le résultat est
   mis en cache dans ``~/scikit_learn_data``, le téléchargement n'a lieu qu'une fois) ;
3. sinon ``sklearn.datasets.load_digits`` : 1 797 chiffres de 8×8 pixels, remis à l'échelle [0, 255].
   Les images ont alors 64 pixels au lieu de 784 : le code des TD s'y adapte, mais les résultats
   diffèrent de ceux de l'énoncé.

Ce fichier est identique dans les dossiers des TD 3 et 6 (la copie de référence est
``autograde/mnist.py`` côté enseignant).
"""

from __future__ import annotations

import gzip
import os
import socket
import struct
from pathlib import Path

import numpy as np

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
DEFAULT_FOLDERS = ("mnist", "data/mnist")
OPENML_TIMEOUT_S = 20


def read_idx(path: Path, magic: int) -> np.ndarray:
    """Un fichier IDX (éventuellement gzippé) → tableau uint8 de forme (N,) ou (N, lignes, colonnes)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        data = stream.read()
    found, count = struct.unpack(">II", data[:8])
    if found != magic:
        raise ValueError(f"{path} : nombre magique {found}, attendu {magic} (ce n'est pas un fichier IDX de MNIST)")
    if magic == IMAGES_MAGIC:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows, cols)
    return np.frombuffer(data, dtype=np.uint8, offset=8).reshape(count)


def _idx_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """(images, labels) de chaque partie trouvée dans le dossier : train d'abord, puis t10k."""
    pairs = []
    for images in sorted(folder.glob("*-images-idx3-ubyte*"), key=lambda p: not p.name.startswith("train")):
        labels = list(folder.glob(images.name.split("-images-")[0] + "-labels-idx1-ubyte*"))
        if labels:
            pairs.append((images, labels[0]))
    return pairs


def load_idx_folder(folder) -> tuple[np.ndarray, np.ndarray]:
    """Toutes les images et étiquettes IDX d'un dossier : (N, 784) uint8 et (N,) int64."""
    pairs = _idx_pairs(Path(folder))
    if not pairs:
        raise FileNotFoundError(f"aucun fichier *-images-idx3-ubyte[.gz] avec ses étiquettes dans {folder}")
    images = np.concatenate([read_idx(i, IMAGES_MAGIC).reshape(-1, 28 * 28) for i, _ in pairs])
    labels = np.concatenate([read_idx(path, LABELS_MAGIC) for _, path in pairs]).astype(np.int64)
    if len(images) != len(labels):
        raise ValueError(f"{folder} : {len(images)} images mais {len(labels)} étiquettes")
    return images, labels


def _from_openml() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import fetch_openml

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(OPENML_TIMEOUT_S)  # sans réseau, échouer vite plutôt qu'attendre
    try:
        images, labels = fetch_openml("mnist_784", version=1, return_X_y=True, as_frame=False, parser="liac-arff")
    finally:
        socket.setdefaulttimeout(previous)
    return images.astype(np.uint8), labels.astype(np.int64)


def _from_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    return np.round(digits.data * 255.0 / 16.0).astype(np.uint8), digits.target.astype(np.int64)


def load_mnist(path=None, *, online: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Les chiffres manuscrits : ``images`` (N, D) uint8 dans [0, 255] (D = 784, ou 64 en secours), ``labels`` (N,).

    ``path`` : dossier de fichiers IDX ; sinon ``MNIST_DIR``, puis ``./mnist`` et ``./data/mnist``.
    ``online=False`` interdit le téléchargement.
    """
    candidates = [path] if path is not None else [os.environ.get("MNIST_DIR"), *DEFAULT_FOLDERS]
    missing = []
    for folder in candidates:
        if not folder:
            continue
        if Path(folder).is_dir() and _idx_pairs(Path(folder)):
            images, labels = load_idx_folder(folder)
            print(f"MNIST : {len(images)} images lues dans le dossier IDX {Path(folder).resolve()}")
            return images, labels
        missing.append(str(folder))
    if missing:
        print(f"MNIST : pas de fichiers IDX dans {', '.join(missing)}.")
    if online:
        try:
            images, labels = _from_openml()
            print(
                f"MNIST : {len(images)} images de fetch_openml('mnist_784') (OpenML, en cache après le premier appel)"
            )
            return images, labels
        except Exception as error:  # noqa: BLE001 - pas de réseau, proxy, OpenML indisponible : on se replie
            print(f"MNIST : téléchargement impossible depuis OpenML ({type(error).__name__}: {error}).")
    images, labels = _from_digits()
    print(
        f"MNIST introuvable : repli sur sklearn.datasets.load_digits ({len(images)} chiffres de 8×8 pixels). "
        "Indiquez le dossier des fichiers IDX avec load_mnist('chemin') ou la variable MNIST_DIR."
    )
    return images, labels
