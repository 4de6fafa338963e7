"""Student ids are data, never syntax.

An id becomes a folder name (``submitted/<id>/``), a glob in nbgrader's paths, a CSV cell, a line of a
log and an HTML text. Only ids of a safe form are used: ASCII letters and digits first, then letters,
digits and ``_ . @ + -``, at most 64 characters. Such an id holds no comma (nbgrader's lists), no
newline (logs, CSV), no slash or leading dot (paths), no glob character (nbgrader's ``find``), no
leading ``= + - @`` (spreadsheet formulas) and no markup. Anything else is refused, with a reason in
French, or mapped to a safe form where a program (collect) chooses the id.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 64
SAFE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.@+-]{{0,{MAX_LENGTH - 1}}}")


def is_safe(student_id: str) -> bool:
    return isinstance(student_id, str) and SAFE.fullmatch(student_id) is not None


def problem(student_id: str) -> str | None:
    """Why ``student_id`` cannot be used as a student id (French, for the teacher), or None."""
    if is_safe(student_id):
        return None
    shown = ascii(student_id)[1:-1][:80]
    return (
        f"le nom de dossier « {shown} » ne peut pas servir d'identifiant d'étudiant : il faut des lettres "
        f"ASCII, des chiffres et « _ . @ + - » seulement, commencer par une lettre ou un chiffre, "
        f"{MAX_LENGTH} caractères au plus. Renommez le dossier (ou passez par `autograde collect`)."
    )


def safe_form(name: str) -> str | None:
    """A safe id made from ``name`` (accents dropped, every other character ``_``), or None when
    nothing usable is left."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = re.sub(r"[^A-Za-z0-9_.@+-]+", "_", plain)
    plain = re.sub(r"^[^A-Za-z0-9]+", "", plain)[:MAX_LENGTH]
    return plain if is_safe(plain) else None
