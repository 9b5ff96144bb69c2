"""The kernel side's origin of a submission: the session's notebook, the cell, never a failure."""

from __future__ import annotations

import pytest

from hpc_jupyter import origin


def test_the_notebook_comes_from_the_session_and_the_cell_needs_a_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/ada/work/sim.ipynb")

    made = origin.current("sweep", resubmit_of="12")

    assert made == {
        "via": "sweep",
        "notebook": "/home/ada/work/sim.ipynb",  # the server records it relative to its root
        "cell": None,  # no kernel here, no execute request to read it from
        "resubmit_of": "12",
    }


def test_what_no_record_may_keep_is_left_out_and_an_unknown_via_is_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JPY_SESSION_NAME", "bad\nname.ipynb")

    made = origin.current("carrier-pigeon")

    assert made == {"via": "other", "notebook": None, "cell": None, "resubmit_of": None}


def test_without_a_session_there_is_no_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)

    assert origin.current("api")["notebook"] is None


def test_a_recorded_notebook_matches_the_kernels_absolute_path() -> None:
    assert origin.same_notebook("work/sim.ipynb", "/home/ada/work/sim.ipynb")
    assert origin.same_notebook("work/sim.ipynb", "work/sim.ipynb")
    assert not origin.same_notebook("sim.ipynb", "/home/ada/work/othersim.ipynb")
    assert not origin.same_notebook(None, "/home/ada/work/sim.ipynb")


def test_a_notebook_named_by_another_spelling_of_its_path_matches() -> None:
    assert origin.same_notebook("work/sim.ipynb", "./work/sim.ipynb")
    assert origin.same_notebook("work/sim.ipynb", "work//sim.ipynb")
    assert origin.same_notebook("work/sim.ipynb", "/home/ada/old/../work/sim.ipynb")
    assert not origin.same_notebook("work/sim.ipynb", "work/../sim.ipynb")
