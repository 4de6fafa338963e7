"""The step reporting of the browser tests, without a browser: each step leaves its screenshot, and a
failing step says which one failed and where its screenshot is."""

import pytest

from .conftest import Steps


class FakePage:
    """Stands for a Playwright page: writes a file where a screenshot is asked for."""

    def evaluate(self, script):
        return None

    def screenshot(self, path):
        with open(path, "wb") as shot:
            shot.write(b"\x89PNG")


def test_each_step_leaves_a_numbered_screenshot(tmp_path):
    step = Steps(FakePage(), tmp_path, "flow")
    with step("open the notebook"):
        pass
    with step("Run All: self-checks"):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "flow-01-open-the-notebook.png",
        "flow-02-run-all-self-checks.png",
    ]


def test_a_failing_step_says_which_step_failed(tmp_path):
    step = Steps(FakePage(), tmp_path, "flow")
    with step("open the notebook"):
        pass
    with pytest.raises(AssertionError) as failure:
        with step("press Validate"):
            raise TimeoutError("no dialog")
    message = str(failure.value)
    assert message.startswith("step 2 ('press Validate') failed after steps ['open the notebook']")
    assert str(tmp_path / "flow-02-press-validate-FAILED.png") in message and "TimeoutError: no dialog" in message
    assert (tmp_path / "flow-02-press-validate-FAILED.png").exists()
