"""The batch engine: order, errors as outcomes, processes, executors, progress."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from bgcut import batch


def _square_or_fail(x):
    if x == 3:
        raise ValueError("three is bad")
    return x * x


@pytest.mark.parametrize("where", ["serial", "processes", "threads"])
def test_outcomes_in_order_with_errors(where):
    items = list(range(7))
    if where == "threads":
        with ThreadPoolExecutor(3) as pool:
            outcomes = batch.run(_square_or_fail, items, executor=pool)
    else:
        outcomes = batch.run(_square_or_fail, items, workers=1 if where == "serial" else 2)
    assert [o.item for o in outcomes] == items
    assert [o.value for o in outcomes] == [0, 1, 4, None, 16, 25, 36]
    assert [o.error for o in outcomes] == ["", "", "", "ValueError: three is bad", "", "", ""]


def test_empty_batch():
    assert batch.run(_square_or_fail, [], workers=4) == []


def test_progress_bar_counts_every_item(capsys):
    batch.run(_square_or_fail, range(5), workers=1, progress=True, desc="squares")
    err = capsys.readouterr().err
    assert "squares" in err and "5/5" in err


@pytest.mark.parametrize("workers", [0, -1, 1.5, True], ids=["zero", "negative", "float", "bool"])
def test_bad_worker_counts(workers):
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        batch.run(_square_or_fail, [1], workers=workers)


def _die_on_three(x):
    if x == 3:
        os._exit(9)  # as a worker killed by the system would
    return x * x


def test_a_dying_worker_costs_only_its_item():
    outcomes = batch.run(_die_on_three, range(8), workers=2)
    assert [o.value for o in outcomes] == [0, 1, 4, None, 16, 25, 36, 49]
    assert outcomes[3].error.startswith("WorkerDied")
    assert all(o.error == "" for i, o in enumerate(outcomes) if i != 3)
