"""More than one machine (issue 4, part 6): Dask partitions on a local two-worker cluster."""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import erpsales  # noqa: E402
from erpsales._dask import qualify_dask  # noqa: E402
from erpsales.frame import qualify_frame  # noqa: E402

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from _generate import generate  # noqa: E402

AS_OF = "2026-11-28"


def _rows(n: int) -> Any:
    rows = []
    for item in generate(n, seed=11):
        row = {k: v for k, v in item.items() if k not in ("key_info", "stakeholders", "pains")}
        row["pains"] = ";".join(item["pains"])
        row["key_info"] = json.dumps(item["key_info"], ensure_ascii=False)
        row["stakeholders"] = json.dumps(item["stakeholders"], ensure_ascii=False)
        rows.append(row)
    rows[7]["annual_revenue_rmb"] = "很多钱"  # one bad row travels through too
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with warnings.catch_warnings():
        # the cluster's own start-up chatter (ports, resources) is not this project's
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = distributed.Client(cluster)
    try:
        yield client
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client.close()
            cluster.close()


def test_two_workers_give_the_single_machine_result(client: Any) -> None:
    frame = _rows(2_000)
    expected = qualify_frame(frame, as_of=AS_OF)
    lazy = qualify_dask(dd.from_pandas(frame, npartitions=8), as_of=AS_OF)
    got = lazy.compute()
    assert len(client.scheduler_info()["workers"]) == 2
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index())
    assert got["error"].notna().sum() == 1  # the bad row is kept, with its error


def test_a_custom_policy_travels_to_the_workers(client: Any) -> None:
    policy = erpsales.policy_from_dict(
        {
            "extends": "seed",
            "id": "wide-b",
            "settings": {"grading": {"windows": {"A": 1, "B": 4, "C": 6}}},
        }
    )
    frame = _rows(400)
    expected = qualify_frame(frame, policy=policy, as_of=AS_OF)
    got = qualify_dask(dd.from_pandas(frame, npartitions=4), policy=policy, as_of=AS_OF).compute()
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index())
    assert (got["grade"] != qualify_frame(frame, as_of=AS_OF)["grade"]).any()  # the policy mattered
