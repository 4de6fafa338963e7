"""autograde/serve.py: the service's secrets file, and `autograde serve run` refusing a course it cannot serve."""

from __future__ import annotations

import json
import os
import stat

import pytest
from conftest import REPO

from autograde.cli import main
from autograde.course import CourseError
from autograde.serve import SECRETS_FILE, secrets_of


def test_the_secrets_are_made_once_readable_by_their_owner_alone(tmp_path):
    path = tmp_path / SECRETS_FILE
    made = secrets_of(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(made.cookie_secret) == 32 and len(made.teacher_token) >= 32
    again = secrets_of(path)  # a restart: the same keys, so that sessions and the teacher's link survive it
    assert again == made
    assert secrets_of(tmp_path / "other.json") != made


def test_the_secrets_file_appears_whole_or_not_at_all(tmp_path, monkeypatch):
    """A start killed while it writes the secrets, or a second start reading meanwhile, never finds
    an empty file there: that one would stop every later start, and its advice (move it aside) would
    end the students' sessions if followed on the whole file of a race."""
    path = tmp_path / SECRETS_FILE

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(json, "dump", killed)
    with pytest.raises(KeyboardInterrupt):
        secrets_of(path)
    monkeypatch.undo()
    assert not os.path.lexists(path) and list(tmp_path.iterdir()) == []
    made = secrets_of(path)
    assert secrets_of(path) == made and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_secrets_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / SECRETS_FILE
    secrets_of(path)
    os.chmod(path, 0o644)
    with pytest.raises(CourseError, match="chmod 600"):
        secrets_of(path)


def test_a_link_in_place_of_the_secrets_is_never_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({"cookie_secret": "00" * 32, "teacher_token": "x" * 43}))
    os.chmod(elsewhere, 0o600)
    path = tmp_path / SECRETS_FILE
    path.symlink_to(elsewhere)
    with pytest.raises(CourseError, match="symbolic link"):
        secrets_of(path)
    assert json.loads(elsewhere.read_text())["teacher_token"] == "x" * 43  # left as it was


def test_a_file_that_is_not_the_secrets_is_refused_and_kept(tmp_path):
    path = tmp_path / SECRETS_FILE
    path.write_text("notes of the teacher")
    os.chmod(path, 0o600)
    with pytest.raises(CourseError, match="not the service's secrets"):
        secrets_of(path)
    assert path.read_text() == "notes of the teacher"


def test_serve_run_without_rules_says_so_and_starts_nothing(tmp_path, capsys):
    course = tmp_path / "course"
    assert main(["--repo", str(REPO), "init", str(course)]) == 0
    code = main(
        ["--repo", str(REPO), "serve", "run", "--course", str(course), "--store", f"sqlite:///{tmp_path / 's.db'}"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "serve.toml" in err
    assert not (tmp_path / "s.db").exists() and not (course / SECRETS_FILE).exists()


def test_the_watcher_closes_a_td_past_its_deadline_until_its_close_is_complete(monkeypatch, capsys):
    from datetime import UTC, datetime, timedelta

    from autograde import serve_deadline
    from autograde.serve import DeadlineWatcher
    from autograde.serve_rules import TDRules

    deadline = datetime(2026, 9, 15, 21, 59, tzinfo=UTC)
    rules = {
        name: TDRules(name, deadline - timedelta(days=14), deadline + shift, None, None, 2**20, "messages", "last")
        for name, shift in (("td1_neurone_regression", timedelta(0)), ("td2_descente_gradient", timedelta(days=7)))
    }
    complete = iter([False, True])
    calls = []

    def close(course, store, rule, *, now):
        calls.append((rule.assignment, now))
        closed = serve_deadline.Closed(rule.assignment, rule.deadline)
        if not next(complete):
            closed.pending.append("alice")
        return closed

    monkeypatch.setattr(serve_deadline, "close", close)
    watcher = DeadlineWatcher(course=None, store=None, rules=rules)  # type: ignore[arg-type]
    assert watcher.close_due(deadline - timedelta(seconds=1)) == [] and calls == []
    after = deadline + timedelta(minutes=1)
    assert watcher.close_due(after) == []  # alice's attempt still waited for its verdict
    assert watcher.close_due(after) == ["td1_neurone_regression"]
    assert watcher.close_due(after) == []  # complete: never closed again
    assert [name for name, _ in calls] == ["td1_neurone_regression"] * 2
    assert "alice" in capsys.readouterr().out


def test_the_service_imports_the_grading_side_before_it_listens(tmp_path):
    """Imported later, by the grading thread, Dask's client held the interpreter's lock while the uploads
    sent during a restart arrived (a burst of 22 at the port's opening: p50 0.13 s, 0.04 s imported first)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from autograde.attempts import Store\n"
        "from autograde.serve import warm_up\n"
        "assert 'distributed' not in sys.modules\n"
        f"warm_up(Store('sqlite:///{tmp_path / 'service.db'}'))\n"
        "print(sorted(m for m in ('distributed', 'autograde.serve_dispatch', 'psutil') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.split("\n")[0] == "['autograde.serve_dispatch', 'distributed', 'psutil']"
