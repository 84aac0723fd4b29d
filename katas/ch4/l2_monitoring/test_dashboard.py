"""Kata 4.2.5: a dashboard as code, whose every panel asks the real Prometheus and gets data.

The lesson's known traffic (see test_queries.py: 10 requests/s, a 5xx share of 0.2, p95
287.5 ms, 80 % within 200 ms over the last 4 s) runs for the whole test run; your dashboard
is built for its job with a 4 s window and every panel's query is run there. The SDK's own
models read your JSON back (no official JSON Schema for dashboards exists), Prometheus's
parser reads every query, and the panels are drawn to .kata/dashboards/<uid>.png for you to
look at: matplotlib over query_range, the same queries a Grafana would run.
"""

from __future__ import annotations

import json

import pytest

from fixtures import lesson_module
from fixtures.course.trees import REPO_ROOT
from fixtures.engines.monitoring.render import render

WINDOW = "4s"
PANELS = {  # title -> (type, unit, the value at the known traffic's instant)
    "Requests per second": ("timeseries", "reqps", 10),
    "Server errors": ("timeseries", "percentunit", 0.2),
    "Latency p95": ("timeseries", "s", 0.2875),
    "Within SLO": ("stat", "percentunit", 0.8),
}


def _dashboard_module():
    return lesson_module(__file__, "dashboard")


@pytest.fixture(scope="module")
def board(known_traffic):
    built = _dashboard_module().build_dashboard(known_traffic.busy, slo_s=0.2, window=WINDOW)
    assert isinstance(built, dict), f"build_dashboard returned {type(built).__name__}; expected the JSON model as a dict"
    json.dumps(built)  # a dict of JSON values only
    return built


def _panels(board) -> dict[str, dict]:
    return {panel.get("title"): panel for panel in board.get("panels", [])}


def test_the_sdk_reads_your_dashboard_back(board):
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models.dashboard import Dashboard

    again = json.loads(json.dumps(Dashboard.from_json(board), cls=JSONEncoder))
    assert again == board, "grafana-foundation-sdk's Dashboard model does not read your JSON back the same: " \
        f"keys it dropped or changed: {sorted(k for k in board if board.get(k) != again.get(k))}"
    assert board.get("schemaVersion") == 41, \
        f"schemaVersion {board.get('schemaVersion')}: the lesson pins Grafana 11.6's dashboard schema (41)"


def test_the_dashboard_is_named_for_its_job_and_refreshes(board, known_traffic):
    assert board.get("uid") == f"model-{known_traffic.busy}", f"uid {board.get('uid')!r}"
    assert known_traffic.busy in board.get("title", ""), f"title {board.get('title')!r} does not name the job"
    assert (board.get("refresh"), board.get("time")) == ("10s", {"from": "now-15m", "to": "now"}), \
        f"refresh {board.get('refresh')!r}, time {board.get('time')}: every 10 s, over the last 15 minutes"


def test_the_default_slo_is_the_lessons_200_ms(monitoring, known_traffic):
    built = _dashboard_module().build_dashboard(known_traffic.busy, window=WINDOW)
    expr = _panels(built)["Within SLO"]["targets"][0]["expr"]
    got = monitoring.ask_value(expr, "the 'Within SLO' panel of build_dashboard(job)", known_traffic.at)
    assert got == pytest.approx(0.8, abs=0.01), f"without slo_s, 'Within SLO' asks\n  {expr}\n  which answers {got}"


def test_the_four_panels_with_their_types_and_units(board):
    panels = _panels(board)
    assert sorted(panels) == sorted(PANELS), f"the panels are titled {sorted(panels)}; expected {sorted(PANELS)}"
    for title, (kind, unit, _) in PANELS.items():
        got = (panels[title].get("type"), panels[title].get("fieldConfig", {}).get("defaults", {}).get("unit"))
        assert got == (kind, unit), f"panel {title!r} is a {got[0]} with unit {got[1]!r}; expected a {kind} in {unit!r}"


def test_every_panel_asks_the_prometheus_data_source(board):
    for panel in board.get("panels", []):
        source = panel.get("datasource") or {}
        assert source == {"type": "prometheus", "uid": "prometheus"}, \
            f"panel {panel.get('title')!r} has datasource {source}; expected the Prometheus data source, uid 'prometheus'"
        targets = panel.get("targets") or []
        assert targets and all(t.get("expr") for t in targets), f"panel {panel.get('title')!r} has no query: {targets}"
        refs = [t.get("refId") for t in targets]
        assert all(refs) and len(set(refs)) == len(refs), \
            f"panel {panel.get('title')!r}'s queries have refIds {refs}: each needs its own (Grafana names results by it)"


def test_the_data_source_is_a_setting(known_traffic):
    built = _dashboard_module().build_dashboard(known_traffic.busy, datasource_uid="prom-eu-west")
    sources = {json.dumps(p.get("datasource"), sort_keys=True) for p in built.get("panels", [])}
    assert sources == {json.dumps({"type": "prometheus", "uid": "prom-eu-west"}, sort_keys=True)}, \
        f"build_dashboard(..., datasource_uid='prom-eu-west') made panels with data sources {sources}"


def test_panels_sit_side_by_side_without_overlapping(board):
    cells: dict[tuple[int, int], str] = {}
    for panel in board.get("panels", []):
        pos = panel.get("gridPos") or {}
        x, y, w, h = (pos.get(k) for k in ("x", "y", "w", "h"))
        assert all(isinstance(v, int) for v in (x, y, w, h)) and w > 0 and h > 0 and x + w <= 24, \
            f"panel {panel.get('title')!r} has gridPos {pos}: Grafana's grid is 24 columns wide"
        for cell in ((cx, cy) for cx in range(x, x + w) for cy in range(y, y + h)):
            assert cell not in cells, f"panels {cells[cell]!r} and {panel.get('title')!r} overlap at {cell}"
            cells[cell] = panel.get("title")


def test_every_query_parses(board, monitoring):
    for panel in board.get("panels", []):
        for target in panel.get("targets", []):
            try:
                monitoring.prometheus.format_query(target["expr"])
            except Exception as err:  # noqa: BLE001 - PrometheusError, shown as the learner's
                raise monitoring.refused(f"Prometheus cannot parse panel {panel.get('title')!r}'s query",
                                         [f"query: {target['expr']}", f"Prometheus: {getattr(err, 'said', err)}"]) from None


def test_every_panel_shows_the_traffic_as_it_was(board, monitoring, known_traffic):
    panels = _panels(board)
    for title, (_, _, expected) in PANELS.items():
        expr = panels[title]["targets"][0]["expr"]
        got = monitoring.ask_value(expr, f"panel {title!r}", known_traffic.at)
        assert got == pytest.approx(expected, rel=0.1 if title == "Requests per second" else 0, abs=0.01), \
            f"panel {title!r} asks\n  {expr}\n  which answers {got} over the known traffic; expected {expected}"


def test_every_panel_has_data_over_the_last_minute_and_is_drawn(board, monitoring):
    empty = []
    for panel in board.get("panels", []):
        for target in panel.get("targets", []):
            end = monitoring.prometheus.query("time()")[0]["value"][0]
            try:
                series = monitoring.prometheus.query_range(target["expr"], float(end) - 60, float(end), 1)
            except Exception as err:  # noqa: BLE001
                raise monitoring.refused(f"Prometheus refused panel {panel.get('title')!r}'s query over a range",
                                         [f"query: {target['expr']}", f"Prometheus: {getattr(err, 'said', err)}"]) from None
            if not any(s.get("values") for s in series):
                empty.append(panel.get("title"))
    assert not empty, f"the panels {empty} show no data for the last minute"
    picture = render(board, monitoring.prometheus, REPO_ROOT / ".kata" / "dashboards" / f"{board.get('uid')}.png")
    print(f"the dashboard drawn: {picture}")
    assert picture.stat().st_size > 10_000


def test_save_dashboard_writes_the_json_grafana_imports(tmp_path, known_traffic):
    module = _dashboard_module()
    path = module.save_dashboard(tmp_path / "model.json", known_traffic.clean, window="1m")
    written = json.loads((tmp_path / "model.json").read_text())
    assert written == module.build_dashboard(known_traffic.clean, window="1m"), \
        f"save_dashboard wrote {path}, which is not build_dashboard's model as JSON"
