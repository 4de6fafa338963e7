"""The teacher's rules of each TD (autograde/serve_rules.py): the TOML file as its docstring documents it,
the defaults, a clear error naming the TD and the key for each thing that cannot be used, the
boundaries of the opening and the deadline, and which attempt counts. Pure functions: no clock, no
database."""

import textwrap
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from autograde import serve_rules, settings
from autograde.attempts import FAILED, GRADED, QUEUED, RUNNING, Attempt
from autograde.serve_rules import RulesError, TDRules, load_rules

TD1, TD2, TD3 = "td1_neurone_regression", "td2_descente_gradient", "td3_mnist_softmax"
COURSE = [TD1, TD2, TD3]
PARIS_SUMMER = timezone(timedelta(hours=2))
OPENS = datetime(2026, 9, 1, 8, 0, tzinfo=PARIS_SUMMER)
DEADLINE = datetime(2026, 9, 15, 23, 59, tzinfo=PARIS_SUMMER)
TICK = timedelta(microseconds=1)
TIMES = "opens = 2026-09-01T08:00:00+02:00\ndeadline = 2026-09-15T23:59:00+02:00\n"


def rules(**changes) -> TDRules:
    made = TDRules(TD1, OPENS, DEADLINE, 6, 50, 5 * serve_rules.MIB, "messages", "last")
    return replace(made, **changes)


def load_text(tmp_path, text: str) -> dict[str, TDRules]:
    path = tmp_path / serve_rules.RULES_FILE
    path.write_text(text, encoding="utf-8")
    return load_rules(path, COURSE)


def documented_example() -> str:
    """The example of the module's docstring: the lines indented under its "Example::"."""
    doc = serve_rules.__doc__
    lines = doc[doc.index("Example::") :].splitlines()[1:]
    block = []
    for line in lines:
        if line.strip() and not line.startswith("    "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block))


# ------------------------------------------------------------------------------------ the file
def test_the_documented_example_loads_with_its_values_and_the_defaults(tmp_path):
    loaded = load_text(tmp_path, documented_example())
    assert list(loaded) == [TD1, TD3], "a TD without a table is not open"
    td1, td3 = loaded[TD1], loaded[TD3]
    assert (td1.opens, td1.deadline) == (OPENS, DEADLINE)
    assert td1.opens.utcoffset() == timedelta(hours=2), "a time keeps the offset it was written with"
    assert (td1.per_hour, td1.in_all, td1.max_upload_bytes) == (6, 40, 5 * 2**20)
    assert (td1.show, td1.counts) == ("messages", "last")
    assert td3.deadline == datetime(2026, 10, 6, 23, 59, tzinfo=UTC)
    assert (td3.per_hour, td3.in_all) == (None, serve_rules.IN_ALL)
    assert td3.max_upload_bytes == settings.MAX_NOTEBOOK_MB.get() * 2**20
    assert (td3.show, td3.counts) == (serve_rules.SHOW, serve_rules.COUNTS)


def test_the_defaults_are_the_modules_constants_and_the_intakes_limit(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.MAX_NOTEBOOK_MB.variable, "7")
    [td2] = load_text(tmp_path, f"[{TD2}]\n{TIMES}").values()
    assert (td2.per_hour, td2.in_all, td2.show, td2.counts) == (6, 50, "messages", "last")
    assert (serve_rules.PER_HOUR, serve_rules.IN_ALL) == (6, 50)
    assert td2.max_upload_bytes == 7 * 2**20


def test_times_may_be_quoted_iso_strings_and_counts_may_be_unlimited(tmp_path):
    text = f"""[{TD2}]
opens = "2026-09-01T06:00:00Z"
deadline = "2026-09-15T23:59:00+02:00"
attempts_per_hour = 0
attempts_in_all = "unlimited"
largest_upload_mb = 0.5
before_deadline = "points"
counts = "best"
"""
    [td2] = load_text(tmp_path, text).values()
    assert td2.opens == OPENS and td2.deadline == DEADLINE
    assert (td2.per_hour, td2.in_all, td2.max_upload_bytes) == (0, None, 2**19)
    assert (td2.show, td2.counts) == ("points", "best")


ERRORS = [
    # (the TD's table after its header, the TD, the key the error names)
    (TIMES + "attempt_per_hour = 3\n", TD1, "attempt_per_hour"),
    ("opens = 2026-09-16T08:00:00+02:00\ndeadline = 2026-09-15T23:59:00+02:00\n", TD1, "deadline"),
    ("opens = 2026-09-15T23:59:00+02:00\ndeadline = 2026-09-15T21:59:00Z\n", TD1, "deadline"),  # the same instant
    ("opens = 2026-09-01T08:00:00\ndeadline = 2026-09-15T23:59:00+02:00\n", TD1, "opens"),  # TOML local time
    ('opens = 2026-09-01T08:00:00+02:00\ndeadline = "2026-09-15T23:59:00"\n', TD1, "deadline"),
    ("opens = 2026-09-01\ndeadline = 2026-09-15T23:59:00+02:00\n", TD1, "opens"),
    ("opens = 08:00:00\ndeadline = 2026-09-15T23:59:00+02:00\n", TD1, "opens"),
    ('opens = "demain"\ndeadline = 2026-09-15T23:59:00+02:00\n', TD1, "opens"),
    ("opens = 2026-09-01T08:00:00+02:00\n", TD1, "deadline"),
    (TIMES + "attempts_in_all = -1\n", TD1, "attempts_in_all"),
    (TIMES + "attempts_per_hour = 2.5\n", TD1, "attempts_per_hour"),
    (TIMES + "attempts_per_hour = true\n", TD1, "attempts_per_hour"),
    (TIMES + 'attempts_per_hour = "illimité"\n', TD1, "attempts_per_hour"),
    (TIMES + "largest_upload_mb = 0\n", TD1, "largest_upload_mb"),
    (TIMES + 'largest_upload_mb = "5"\n', TD1, "largest_upload_mb"),
    (TIMES + "largest_upload_mb = nan\n", TD1, "largest_upload_mb"),
    (TIMES + 'before_deadline = "rien"\n', TD1, "before_deadline"),
    (TIMES + 'counts = "first"\n', TD1, "counts"),
]


@pytest.mark.parametrize(("table", "td", "key"), ERRORS)
def test_a_rule_that_cannot_be_used_is_an_error_naming_its_td_and_key(tmp_path, table, td, key):
    with pytest.raises(RulesError) as raised:
        load_text(tmp_path, f"[{TD2}]\n{TIMES}\n[{td}]\n{table}")
    assert isinstance(raised.value, ValueError)
    assert (raised.value.assignment, raised.value.key) == (td, key)
    assert f"[{td}] {key}:" in str(raised.value)


def test_a_td_that_is_not_the_courses_or_not_a_table_is_an_error(tmp_path):
    with pytest.raises(RulesError) as raised:
        load_text(tmp_path, f"[td9_inconnu]\n{TIMES}")
    assert (raised.value.assignment, raised.value.key) == ("td9_inconnu", None)
    assert "[td9_inconnu]" in str(raised.value) and TD1 in str(raised.value)
    with pytest.raises(RulesError) as raised:
        load_text(tmp_path, TIMES)  # the times outside any TD's table
    assert raised.value.assignment == "opens" and "table" in str(raised.value)


def test_a_missing_or_broken_file_is_an_error_naming_it(tmp_path):
    missing = tmp_path / "nowhere" / serve_rules.RULES_FILE
    with pytest.raises(RulesError, match="no such file") as raised:
        load_rules(missing, COURSE)
    assert str(missing) in str(raised.value)
    with pytest.raises(RulesError, match="not valid TOML"):
        load_text(tmp_path, f"[{TD1}\n{TIMES}")
    (tmp_path / "latin1.toml").write_bytes(b"# \xe9\n")
    with pytest.raises(RulesError, match="latin1.toml"):
        load_rules(tmp_path / "latin1.toml", COURSE)
    assert load_text(tmp_path, "# nothing open yet\n") == {}
    assert serve_rules.rules_path(tmp_path) == tmp_path / "serve.toml"


def test_rules_made_in_code_are_checked_as_the_files(tmp_path):
    with pytest.raises(RulesError) as raised:
        rules(opens=datetime(2026, 9, 1, 8, 0))
    assert (raised.value.key, "offset" in str(raised.value)) == ("opens", True)
    for field, value, key in (("per_hour", -1, "attempts_per_hour"), ("max_upload_bytes", 0, "largest_upload_mb"),
                              ("show", "all", "before_deadline"), ("deadline", OPENS, "deadline")):  # fmt: skip
        with pytest.raises(RulesError) as raised:
            rules(**{field: value})
        assert raised.value.key == key


# ----------------------------------------------------------------------------- the boundaries
def test_a_td_is_open_from_its_opening_included_to_its_deadline_excluded():
    td = rules()
    expected = [
        (OPENS - TICK, False, "pas encore ouvert"),
        (OPENS, True, "ouvert"),
        (OPENS.astimezone(UTC), True, "ouvert"),  # the same instant, written in UTC
        (DEADLINE - TICK, True, "ouvert"),
        (DEADLINE, False, "fermé"),
        (DEADLINE.astimezone(UTC) + TICK, False, "fermé"),
    ]
    for now, is_open, said in expected:
        assert (td.is_open(now), td.state(now)) == (is_open, said), now
    assert set(serve_rules.STATE_WORDING.values()) == {"pas encore ouvert", "ouvert", "fermé"}
    with pytest.raises(ValueError, match="zone"):
        td.is_open(datetime(2026, 9, 2, 8, 0))


def test_messages_show_always_or_from_the_deadline_on():
    always, after = rules(show="messages"), rules(show="points")
    for now in (OPENS, DEADLINE - TICK, DEADLINE):
        assert always.shows_messages(now)
    assert not after.shows_messages(OPENS) and not after.shows_messages(DEADLINE - TICK)
    assert after.shows_messages(DEADLINE) and after.shows_messages(DEADLINE.astimezone(UTC))


# -------------------------------------------------------------------------------- what counts
def attempt(number: int, created: datetime, state: str = GRADED, score=None, **more) -> Attempt:
    made = Attempt(
        id=number,
        student="alice",
        assignment=TD1,
        created_at=created.astimezone(UTC),  # as the store gives it
        state=state,
        seed=number,
        files=("01_neurone.ipynb",),
        worker=None,
        lease_until=None,
        claims=1,
        result=None if state != GRADED else {"score": number if score is None else score, "max_score": 20.0},
        graded_at=None,
        error=None,
    )
    return replace(made, **more)


def test_the_last_graded_attempt_before_the_deadline_counts():
    td = rules(counts="last")
    history = [
        attempt(1, OPENS),
        attempt(2, DEADLINE - timedelta(hours=1), score=20),
        attempt(3, DEADLINE - TICK, state=FAILED),
        attempt(4, DEADLINE - TICK, state=QUEUED),
        attempt(5, DEADLINE - TICK, state=RUNNING),
        attempt(6, DEADLINE - TICK, assignment=TD3),
        attempt(7, DEADLINE, score=0),  # exactly at the deadline: not counted
    ]
    assert td.counted(history).id == 2
    assert td.counted(list(reversed(history))).id == 2, "by creation time, not by the list's order"
    assert td.counted([*history, attempt(8, DEADLINE - TICK, score=1)]).id == 8
    assert td.counted(history[2:]) is None
    assert td.counted([]) is None


def test_the_best_score_counts_and_a_tie_goes_to_the_later():
    td = rules(counts="best")
    history = [
        attempt(1, OPENS, score=12),
        attempt(2, OPENS + timedelta(hours=1), score=17.5),
        attempt(3, OPENS + timedelta(hours=2), score=9),
        attempt(4, DEADLINE, score=20),  # too late
        attempt(5, OPENS + timedelta(hours=3), state=FAILED),
    ]
    assert td.counted(history).id == 2
    assert td.counted([*history, attempt(6, OPENS + timedelta(hours=4), score=17.5)]).id == 6
    assert td.counted([*history[:3], attempt(7, OPENS, score=17.5)]).id == 2, "the tie goes to the later"
    broken = attempt(8, OPENS + timedelta(hours=5), result={"max_score": 20})
    assert td.counted([broken, attempt(9, OPENS, score=0)]).id == 9, "a verdict without a score ranks last"
    assert td.counted([broken]).id == 8


def test_counted_takes_one_students_attempts():
    with pytest.raises(ValueError, match="one student"):
        rules().counted([attempt(1, OPENS), attempt(2, OPENS, student="bruno")])
