"""Kata 1.c.3: the whole pipeline, on the standalone cluster: partitioned Parquet, idempotent, no collect."""

import json
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from fixtures import lesson_module
from fixtures.course.trees import REPO_ROOT, active_tree
from fixtures.data.request_logs import expected_daily_model_stats
from fixtures.engines.spark import submit_python

pipeline = lesson_module(__file__, "pipeline")
DRIVER = REPO_ROOT / "fixtures" / "engines" / "spark" / "drivers" / "capstone_pipeline.py"


def run_on_cluster(cluster, request_logs, output, scratch):
    path, _ = request_logs
    report = scratch / "report.json"
    module = f"{active_tree()}.ch1.capstone.pipeline"
    done = submit_python(cluster, DRIVER, [module, str(path), str(output), str(report)], scratch)
    if done.returncode != 0:
        # spark-submit passes the Python driver's stderr through its stdout, and the JVM may
        # log Java frames after it: show the Python traceback up to its exception line.
        lines = [line for line in (done.stdout + "\n" + done.stderr).splitlines()
                 if line.strip() and not line.lstrip().startswith("at ")]
        start = max((i for i, l in enumerate(lines) if l.startswith("Traceback")), default=max(0, len(lines) - 12))
        block = lines[start:]
        end = next((i for i, l in enumerate(block) if i > 0 and not l.startswith((" ", "\t"))), len(block) - 1)
        tail = "\n".join(block[:end + 1][-25:])
        raise RuntimeError(f"the pipeline failed on the cluster (spark-submit exit {done.returncode}):\n{tail}")
    return json.loads(report.read_text())


def read_output(output: Path) -> dict:
    """The written Parquet, read with pyarrow: no Spark involved in checking Spark."""
    table = ds.dataset(output, format="parquet", partitioning="hive").to_table().to_pylist()
    return {(str(r["event_date"]), r["model"]): r for r in table}


@pytest.fixture(scope="module")
def first_run(spark_cluster, request_logs, tmp_path_factory):
    scratch = tmp_path_factory.mktemp("pipeline")
    output = scratch / "daily_model_stats"
    return output, run_on_cluster(spark_cluster, request_logs, output, scratch), scratch


def test_the_report_counts_every_row_and_every_bad_one(first_run, request_logs):
    _, manifest = request_logs
    _, result, _ = first_run
    report = result["report"]
    assert report["rows_read"] == manifest.rows
    assert report["bad_rows"] == manifest.malformed + manifest.invalid, (
        f"bad_rows {report['bad_rows']}; the input has {manifest.malformed} malformed and {manifest.invalid} invalid rows")


def test_output_is_parquet_partitioned_by_event_date_and_correct(first_run, request_logs):
    output, result, _ = first_run
    days = sorted(p.name for p in output.glob("event_date=*"))
    assert days == [f"event_date=2026-11-0{d}" for d in (1, 2, 3)], f"partition folders: {days}"
    got = read_output(output)
    expected = expected_daily_model_stats(request_logs[0])
    assert set(got) == set(expected)
    for key, want in expected.items():
        assert got[key]["requests"] == want["requests"] and got[key]["errors"] == want["errors"], key
        assert got[key]["avg_latency_ms"] == pytest.approx(want["latency_sum"] / want["requests"]), key
    assert result["report"]["groups"] == len(expected)


def test_re_running_gives_the_same_output(first_run, spark_cluster, request_logs):
    output, _, scratch = first_run
    before = read_output(output)
    files_before = len(list(output.rglob("*.parquet")))
    again = run_on_cluster(spark_cluster, request_logs, output, scratch)
    assert read_output(output) == before, "a re-run changed the output (appended or duplicated rows?)"
    assert len(list(output.rglob("*.parquet"))) == files_before, "a re-run left extra Parquet files behind"
    assert again["report"]["groups"] == len(before)


def test_the_dataset_never_travels_to_the_driver(first_run, request_logs):
    _, manifest = request_logs
    _, result, _ = first_run
    assert result["result_bytes"] < manifest.bytes / 20, (
        f"{result['result_bytes']} bytes of results reached the driver for a {manifest.bytes}-byte input: "
        "aggregate on the cluster and write from there; bring back only counts")


def test_a_clean_day_reports_no_bad_rows(spark, tmp_path):
    # Run in this process on the local session: the report's arithmetic, not the cluster, is
    # under test. Every row is valid, so the sum of "not valid" flags is 0, a real count.
    day = tmp_path / "logs" / "dt=2026-11-04"
    day.mkdir(parents=True)
    rows = [{"request_id": f"r{i}", "ts": f"2026-11-04T0{i}:00:00Z", "model": "small", "latency_ms": 10.0 + i,
             "status": 200, "tokens": 5} for i in range(6)]
    (day / "part-0.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = pipeline.run_pipeline(spark, str(tmp_path / "logs"), str(tmp_path / "out"))
    assert report == {"rows_read": 6, "bad_rows": 0, "groups": 1}, (
        f"run_pipeline over 6 valid rows of one model on one day returned {report}; expected "
        "{'rows_read': 6, 'bad_rows': 0, 'groups': 1}")
