"""The grading server's set-up (autograde/submission_task.py), without a kernel: the gradebook it rehearses
on is stamped first, so that opening it starts no `alembic heads` process."""

import nbgrader.api
from nbgrader.api import Gradebook

from autograde import submission_task


def _alembic_asked(monkeypatch) -> list[str]:
    asked: list[str] = []

    def heads() -> str:
        asked.append("alembic heads")
        return "asked"

    monkeypatch.setattr(nbgrader.api, "get_alembic_version", heads)
    return asked


def test_a_stamped_file_opens_as_a_gradebook_of_that_version_without_asking_alembic(tmp_path, monkeypatch):
    asked = _alembic_asked(monkeypatch)
    path = tmp_path / "gradebook.db"
    submission_task.stamp_gradebook(path, "v1")
    with Gradebook("sqlite:///" + str(path)) as gradebook:
        gradebook.add_assignment("td1")
        version = gradebook.db.execute(nbgrader.api.text("SELECT version_num FROM alembic_version")).scalar()
    assert (asked, version) == ([], "v1")


def test_the_grading_servers_rehearsal_opens_a_gradebook_without_asking_alembic(monkeypatch):
    asked = _alembic_asked(monkeypatch)
    opened: list[str] = []
    real_init = Gradebook.__init__

    def init(self, db_url, *args, **kwargs):
        opened.append(db_url)
        real_init(self, db_url, *args, **kwargs)

    monkeypatch.setattr(Gradebook, "__init__", init)
    submission_task._rehearse()
    assert len(opened) == 1 and opened[0].startswith("sqlite:///")
    assert asked == []
