"""What the submission service accepts as an upload: small notebooks built here, and the real releases of
TD 1 and TD 2 for a notebook of another TD. Every refusal names its reason; nothing is ever raised."""

import copy
import gzip
import io
import json
import tarfile
import zipfile

import nbformat
import pytest
from conftest import RELEASE
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograde import uploads
from autograde.course import release_notebooks
from autograde.intake import MAX_JSON_DEPTH, read_submission
from autograde.uploads import EXTRA_FILES, LABELS, NOTHING_KEPT, Accepted, Reason, Refused, check_upload

MiB = 2**20
ROOMY = 4 * MiB  # a max_bytes no test notebook comes near


def graded(grade_id, source="", **meta):
    return new_code_cell(source, metadata={"nbgrader": {"grade_id": grade_id, "schema_version": 3, **meta}})


def td():
    """A TD of two notebooks, by name without .ipynb as course.release_notebooks gives them."""
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    first = new_notebook(
        cells=[
            graded("a_imports", "import numpy as np", locked=True),
            graded("a_loss", "raise NotImplementedError()", solution=True),
            graded("a_test", "assert loss(1) == 1", grade=True, locked=True, points=2),
        ],
        metadata=kernel,
    )
    second = new_notebook(
        cells=[
            graded("b_grad", "raise NotImplementedError()", solution=True),
            graded("b_test", "assert grad(1) == 2", grade=True, locked=True, points=3),
        ],
        metadata=kernel,
    )
    return {"01_a": first, "02_b": second}


def handed(notebook) -> bytes:
    return nbformat.writes(notebook).encode("utf-8")


def refused(result, reason) -> Refused:
    assert isinstance(result, Refused), result
    assert result.reason == reason, result.message
    assert result.message.endswith(NOTHING_KEPT) and result.message.isprintable()
    return result


def test_the_td_handed_in_as_released_is_accepted_unchanged():
    releases = td()
    files = [("01_a.ipynb", handed(releases["01_a"])), ("02_b.ipynb", handed(releases["02_b"]))]
    before = copy.deepcopy(releases)
    result = check_upload(files, releases, ROOMY)
    assert result == Accepted(files=dict(files), handed_in={n: n for n, _ in files}, missing=[], notes=[])
    assert releases == before, "the releases are read, never changed"


def test_a_renamed_copy_is_stored_under_the_release_name_and_a_missing_notebook_is_said():
    releases = td()
    mine = handed(releases["02_b"])
    result = check_upload([("02_b (1).ipynb", mine)], releases, ROOMY)
    assert isinstance(result, Accepted)
    assert result.files == {"02_b.ipynb": mine} and result.handed_in == {"02_b.ipynb": "02_b (1).ipynb"}
    assert result.missing == ["01_a.ipynb"]
    assert result.notes == [
        "Le notebook déposé sous le nom « 02_b (1).ipynb » sera corrigé comme 02_b.ipynb.",
        "Notebook 01_a.ipynb non rendu. Ses cellules notées comptent 0 point dans cette tentative.",
    ]


def test_notebooks_saved_under_each_others_names_are_told_apart_by_their_graded_cells():
    releases = td()
    first, second = handed(releases["01_a"]), handed(releases["02_b"])
    result = check_upload([("01_a.ipynb", second), ("02_b.IPYNB", first)], releases, ROOMY)
    assert isinstance(result, Accepted)
    assert list(result.files) == ["01_a.ipynb", "02_b.ipynb"], "the release's order"
    assert result.files == {"01_a.ipynb": first, "02_b.ipynb": second}
    assert result.handed_in == {"01_a.ipynb": "02_b.IPYNB", "02_b.ipynb": "01_a.ipynb"}


def test_a_notebook_with_an_unknown_cell_moved_cells_and_a_cell_deleted_is_accepted_for_the_intake_to_repair():
    releases = td()
    nb = copy.deepcopy(releases["01_a"])
    nb.cells = [nb.cells[2], new_markdown_cell("mes notes"), nb.cells[1], graded("inventee", "x = 1", grade=True)]
    result = check_upload([("01_a.ipynb", handed(nb))], releases, ROOMY)
    assert isinstance(result, Accepted) and result.files == {"01_a.ipynb": handed(nb)}


def test_no_file_and_too_many_files_are_refused_before_any_is_read(monkeypatch):
    releases = td()
    monkeypatch.setattr(uploads, "_read", lambda *_: pytest.fail("a file was read"))
    refused(check_upload([], releases, ROOMY), Reason.NO_FILE)
    many = [(f"copie_{i}.ipynb", b"{}") for i in range(len(releases) + EXTRA_FILES + 1)]
    result = refused(check_upload(many, releases, ROOMY), Reason.TOO_MANY_FILES)
    assert "5 fichiers reçus" in result.message and "01_a.ipynb, 02_b.ipynb" in result.message
    assert result.file == ""


def test_the_margin_of_extra_files_leads_to_the_file_that_is_wrong():
    releases = td()
    first, second = handed(releases["01_a"]), handed(releases["02_b"])
    files = [("01_a.ipynb", first), ("02_b.ipynb", second), ("01_a-checkpoint.ipynb", first), ("x.ipynb", second)]
    assert len(files) == len(releases) + EXTRA_FILES
    result = refused(check_upload(files, releases, ROOMY), Reason.DUPLICATE)
    assert result.file == "01_a-checkpoint.ipynb"
    assert "« 01_a.ipynb » et « 01_a-checkpoint.ipynb »" in result.message and "01_a.ipynb" in result.message


def padded(notebook, size: int) -> bytes:
    """The notebook's JSON followed by spaces up to ``size`` bytes: still the same valid notebook."""
    content = handed(notebook)
    assert len(content) <= size
    return content + b" " * (size - len(content))


def test_a_file_over_the_limit_is_refused_unread_and_one_byte_under_it_is_read(monkeypatch):
    releases = td()
    limit = len(handed(releases["01_a"])) + 100
    reads = []
    read = uploads._read
    monkeypatch.setattr(uploads, "_read", lambda name, content: reads.append(name) or read(name, content))

    result = refused(
        check_upload([("01_a.ipynb", padded(releases["01_a"], limit + 1))], releases, limit), Reason.TOO_LARGE
    )
    assert reads == [] and result.file == "01_a.ipynb"
    assert f"fait {limit + 1} octets, plus que la limite de {limit} octets" in result.message

    for size in (limit - 1, limit):
        result = check_upload([("01_a.ipynb", padded(releases["01_a"], size))], releases, limit)
        assert isinstance(result, Accepted) and len(result.files["01_a.ipynb"]) == size
    assert reads == ["01_a.ipynb", "01_a.ipynb"]


class Claimed(bytes):
    """Bytes whose length is what a 300 MB upload would say: the size must be judged on len() alone,
    before a byte is read (the content itself would be refused for another reason)."""

    def __len__(self):
        return 300 * 10**6


def test_a_300_mb_upload_is_refused_on_its_length_alone(monkeypatch):
    monkeypatch.delenv("AUTOGRADE_MAX_NOTEBOOK_MB", raising=False)
    monkeypatch.setattr(uploads, "_read", lambda *_: pytest.fail("a file was read"))
    result = refused(check_upload([("01_a.ipynb", Claimed(b"{}"))], td(), 250 * MiB), Reason.TOO_LARGE)
    assert "fait 286.1 Mio, plus que la limite de 20.0 Mio" in result.message, "the intake's own limit per notebook"


def test_each_file_is_held_to_the_intakes_limit_and_all_of_them_to_the_uploads(monkeypatch):
    releases = td()
    monkeypatch.setenv("AUTOGRADE_MAX_NOTEBOOK_MB", "1")
    result = check_upload([("01_a.ipynb", padded(releases["01_a"], MiB + 1))], releases, 10 * MiB)
    assert "plus que la limite de 1.0 Mio par fichier" in refused(result, Reason.TOO_LARGE).message

    size = len(handed(releases["01_a"])) + 10
    files = [("01_a.ipynb", padded(releases["01_a"], size)), ("02_b.ipynb", padded(releases["02_b"], size))]
    result = refused(check_upload(files, releases, 2 * size - 1), Reason.TOO_LARGE_TOTAL)
    assert result.file == "" and f"font {2 * size} octets en tout" in result.message


def zipped(content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("01_a.ipynb", content)
    return out.getvalue()


def tarred(content: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo("01_a.ipynb")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return out.getvalue()


ARCHIVES = {
    "zip": zipped,
    "gzip": gzip.compress,
    "tar": tarred,
    "7z": lambda content: b"7z\xbc\xaf\x27\x1c\x00\x04" + content,
    "rar": lambda content: b"Rar!\x1a\x07\x01\x00" + content,
}


@pytest.mark.parametrize("kind", sorted(ARCHIVES))
@pytest.mark.parametrize("name", ["01_a.ipynb", "td1.zip"])
def test_an_archive_is_refused_with_the_advice_to_upload_the_notebooks_themselves(kind, name):
    releases = td()
    content = ARCHIVES[kind](handed(releases["01_a"]))
    result = refused(
        check_upload([("02_b.ipynb", handed(releases["02_b"])), (name, content)], releases, ROOMY), Reason.ARCHIVE
    )
    assert result.file == name and f"« {name} » est une archive" in result.message
    assert "Déposez directement les fichiers .ipynb" in result.message


def test_a_zip_named_so_is_an_archive_whatever_it_holds():
    refused(check_upload([("td1.ZIP", b"not even a zip")], td(), ROOMY), Reason.ARCHIVE)


@pytest.mark.parametrize(
    "name",
    [
        "../01_a.ipynb",
        "td1/01_a.ipynb",
        "/home/etudiant/01_a.ipynb",
        "td1\\01_a.ipynb",
        "..ipynb",
        "01..a.ipynb",
        ".01_a.ipynb",
        "01_a\x00.ipynb",
        "01_a\n.ipynb",
        "01_a\u202e.ipynb",
        " 01_a.ipynb",
        "C:01_a.ipynb",
        "é" * 200 + ".ipynb",
    ],
)
def test_an_unsafe_name_is_refused_and_shown_escaped(name):
    releases = td()
    result = refused(check_upload([(name, handed(releases["01_a"]))], releases, ROOMY), Reason.UNSAFE_NAME)
    assert result.file.isprintable() and len(result.file) <= uploads.NAME_SHOWN
    assert f"« {result.file} »" in result.message


@pytest.mark.parametrize("name", ["compte-rendu.pdf", "mnist.py", "01_a.ipynb.txt", "01_a"])
def test_a_file_that_is_not_an_ipynb_is_refused(name):
    releases = td()
    result = refused(
        check_upload([("02_b.ipynb", handed(releases["02_b"])), (name, b"%PDF-1.4")], releases, ROOMY), Reason.NOT_IPYNB
    )
    assert result.file == name and "seuls les fichiers .ipynb du TD" in result.message


def nested(depth: int) -> bytes:
    return ('{"cells": [], "x": ' + "[" * depth + "]" * depth + "}").encode()


# Contents that are not a notebook: the reason each one is refused for; the intake refuses each of them too.
HOSTILE = {
    "vide": (b"  \n", Reason.EMPTY),
    "latin1": ('{"cells": [], "metadata": {"auteur": "Zoé"}}'.encode("latin-1"), Reason.NOT_UTF8),
    "octets": (b"\xff\xfe\x00\x01" * 100, Reason.NOT_UTF8),
    "tronque": (b'{"cells": [', Reason.NOT_JSON),
    "bom": (b"\xef\xbb\xbf" + b'{"cells": []}', Reason.NOT_JSON),
    "crochets": (b"[" * 100_000, Reason.TOO_DEEP),
    "accolades": (b'{"a":' * 100_000, Reason.TOO_DEEP),
    "juste_trop": (nested(MAX_JSON_DEPTH), Reason.TOO_DEEP),
    "liste": (b"[1, 2]", Reason.NOT_NOTEBOOK),
    "sans_cellules": (b'{"metadata": {}}', Reason.NOT_NOTEBOOK),
    "cellule_inconnue": (
        b'{"cells": [{"cell_type": "piege"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
        Reason.INVALID_NOTEBOOK,
    ),
    "entier_geant": (b'{"cells": [], "x": ' + b"1" * 5000 + b"}", Reason.UNREADABLE),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_content_that_is_not_a_notebook_is_refused_with_its_reason_as_the_intake_would(case, tmp_path):
    content, reason = HOSTILE[case]
    releases = td()
    files = [("01_a.ipynb", handed(releases["01_a"])), (f"{case}.ipynb", content)]
    result = refused(check_upload(files, releases, ROOMY), reason)
    assert result.file == f"{case}.ipynb" and f"« {case}.ipynb »" in result.message

    (tmp_path / f"{case}.ipynb").write_bytes(content)
    nb, problem = read_submission(tmp_path / f"{case}.ipynb")
    assert nb is None and problem, "accepted here, it would be set aside at grading: the two must agree"


def test_a_notebook_exactly_as_deep_as_the_intake_reads_is_accepted_and_one_level_more_is_not(tmp_path):
    releases = td()
    for levels, accepted in ((MAX_JSON_DEPTH, True), (MAX_JSON_DEPTH + 1, False)):
        nb = copy.deepcopy(releases["01_a"])
        # The notebook (1) holds its metadata (2), which holds lists down to ``levels``.
        nb.metadata["profondeur"] = json.loads("[" * (levels - 2) + "]" * (levels - 2))
        content = handed(nb)
        result = check_upload([("01_a.ipynb", content)], releases, ROOMY)
        assert isinstance(result, Accepted) if accepted else refused(result, Reason.TOO_DEEP)
        (tmp_path / "01_a.ipynb").write_bytes(content)
        assert (read_submission(tmp_path / "01_a.ipynb")[0] is not None) == accepted, "the intake agrees"


def test_running_out_of_memory_while_reading_is_a_refusal_not_a_crash(monkeypatch):
    def exhausted(*_, **__):
        raise MemoryError

    releases = td()
    content = handed(releases["01_a"])
    monkeypatch.setattr(uploads.json, "loads", exhausted)
    result = refused(check_upload([("01_a.ipynb", content)], releases, ROOMY), Reason.UNREADABLE)
    assert "(MemoryError)" in result.message


def test_a_notebook_of_another_td_is_refused_as_such_among_the_real_releases():
    td1 = release_notebooks(RELEASE / "td1_neurone_regression")
    td2_notebook = (RELEASE / "td2_descente_gradient" / "01_descente_1d.ipynb").read_bytes()
    own = (RELEASE / "td1_neurone_regression" / "01_neurone.ipynb").read_bytes()

    result = check_upload([("01_neurone (1).ipynb", own)], td1, ROOMY)
    assert isinstance(result, Accepted) and result.files == {"01_neurone.ipynb": own}
    assert result.missing == ["02_regression_lineaire.ipynb", "03_regression_logistique.ipynb"]

    result = refused(
        check_upload([("01_neurone.ipynb", own), ("01_descente_1d.ipynb", td2_notebook)], td1, ROOMY), Reason.OTHER_TD
    )
    assert result.file == "01_descente_1d.ipynb"
    assert "il semble appartenir à un autre TD" in result.message
    assert "01_neurone.ipynb, 02_regression_lineaire.ipynb, 03_regression_logistique.ipynb" in result.message


def test_a_notebook_without_the_graded_cells_is_not_taken_for_the_one_its_name_says():
    blank = handed(new_notebook(cells=[new_code_cell("print('bonjour')")]))
    refused(check_upload([("01_a.ipynb", blank)], td(), ROOMY), Reason.OTHER_TD)


def test_two_files_of_one_name_that_are_versions_of_two_notebooks_are_both_kept():
    releases = td()
    first, second = handed(releases["01_a"]), handed(releases["02_b"])
    result = check_upload([("td.ipynb", first), ("td.ipynb", second)], releases, ROOMY)
    assert isinstance(result, Accepted) and result.files == {"01_a.ipynb": first, "02_b.ipynb": second}


def test_every_reason_has_a_label_and_releases_named_as_files_are_a_mistake_of_the_caller():
    assert set(LABELS) == set(Reason)
    with pytest.raises(ValueError):
        check_upload([("01_a.ipynb", b"{}")], {f"{k}.ipynb": v for k, v in td().items()}, ROOMY)
    with pytest.raises(ValueError):
        check_upload([("01_a.ipynb", b"{}")], {}, ROOMY)


def test_a_refusal_is_plain_data_for_the_database():
    result = refused(check_upload([], td(), ROOMY), Reason.NO_FILE)
    assert json.loads(json.dumps({"reason": result.reason, "file": result.file})) == {"reason": "no_file", "file": ""}
