"""nbgrader_config.py only sets keys that nbgrader really reads."""

from conftest import REPO
from traitlets.config.loader import PyFileConfigLoader


def configurable_traits() -> dict[str, set[str]]:
    from nbconvert.exporters import HTMLExporter
    from nbgrader.apps import NbGraderApp

    known: dict[str, set[str]] = {}
    # HTMLExporter: read by `nbgrader generate_feedback` and the formgrader, not listed by NbGraderApp.
    for cls in [*NbGraderApp().all_configurable_classes(), HTMLExporter]:
        for klass in cls.mro():
            names = getattr(klass, "class_trait_names", None)
            if names is not None:
                known.setdefault(klass.__name__, set()).update(klass.class_trait_names(config=True))
    return known


def test_every_config_key_is_read_by_nbgrader():
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    known = configurable_traits()
    unknown = [
        f"{section}.{key}"
        for section, values in config.items()
        for key in values
        if key not in known.get(section, set())
    ]
    assert config, "the config file set nothing"
    assert unknown == []


def test_the_check_catches_a_misspelt_key(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.Execute.timout = 10\n")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    known = configurable_traits()
    assert "timout" not in known["Execute"] and "timeout" in known["Execute"]
    assert "timout" in config["Execute"]


def test_config_values():
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    assert config.ClearSolutions.code_stub == {"python": "# VOTRE CODE ICI\nraise NotImplementedError()"}
    assert config.CourseDirectory.db_url.endswith("/gradebook.db")
    assert config.Execute.timeout > 0


def test_the_gradebook_is_the_database_autograde_db_url_names_else_the_sqlite_file_of_the_course(tmp_path, monkeypatch):
    from autograde import settings
    from autograde.course import Course

    server = "postgresql+psycopg://autograde@/semestre?host=/var/run/postgresql"
    monkeypatch.delenv(settings.DB_URL.variable, raising=False)
    course = Course.init(tmp_path / "course")
    assert course.db_url == f"sqlite:///{course.root / 'gradebook.db'}"
    assert not course.has_gradebook(), "no SQLite file yet: nothing to open (opening would make one)"
    repository = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    assert repository.CourseDirectory.db_url == f"sqlite:///{REPO / 'gradebook.db'}"

    monkeypatch.setenv(settings.DB_URL.variable, server)
    assert Course.open(course.root).db_url == server, "read from the course's configuration, as nbgrader reads it"
    assert Course.open(course.root).has_gradebook()
    assert Course.init(tmp_path / "another").db_url == server
    repository = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    assert repository.CourseDirectory.db_url == server


def test_a_database_server_named_by_hand_in_the_courses_configuration_is_its_gradebook(tmp_path, monkeypatch):
    from autograde import settings
    from autograde.course import Course

    monkeypatch.delenv(settings.DB_URL.variable, raising=False)
    course = Course.init(tmp_path / "course")
    by_hand = "postgresql+psycopg://prof@/td_2027?host=/run/postgresql"
    with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(f"c.CourseDirectory.db_url = {by_hand!r}\n")
    assert Course.open(course.root).db_url == by_hand
