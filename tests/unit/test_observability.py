"""Grafana dashboards and Prometheus alerts in deploy/ load, and name only what the services export.

Every metric a panel or a rule queries must be one the services really export (their
prometheus_client metrics and FastStream's Kafka middleware), and every label must be one they
attach (or a target label Prometheus adds); labels never identify a person or a conversation.
"""

import functools
import importlib
import itertools
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.metrics import MetricWrapperBase

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GRAFANA = DEPLOY / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD_PROVIDERS = GRAFANA / "provisioning" / "dashboards" / "balas.yml"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
ALERT_TESTS = DEPLOY / "prometheus" / "alerts_test.yml"

METRIC_MODULES = (
    "shared.metrics",
    "services.ingest.metrics",
    "shared.answering.metrics",
    "services.responder.metrics",
    "services.kpi_aggregator.metrics",
)
# Series Prometheus writes itself for every scrape target, not exported by a service.
PROMETHEUS_SERIES = {"up"}
# Labels Prometheus attaches to every scraped series (job, instance) or histogram bucket (le).
TARGET_LABELS = {"job", "instance", "le"}
# A label holding any of these would be unbounded and personal.
FORBIDDEN_LABEL_WORDS = ("phone", "customer", "conversation", "number", "sender", "from")

AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio",
}  # fmt: skip
FUNCTIONS = {
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh",
    "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh",
    "count_over_time", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg",
    "delta", "deriv", "double_exponential_smoothing", "exp", "floor", "histogram_avg",
    "histogram_count", "histogram_fraction", "histogram_quantile", "histogram_stddev",
    "histogram_stdvar", "histogram_sum", "holt_winters", "hour", "idelta", "increase", "info",
    "irate", "label_join", "label_replace", "last_over_time", "ln", "log10", "log2",
    "mad_over_time", "max_over_time", "min_over_time", "minute", "month", "pi",
    "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets",
    "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_by_label", "sort_by_label_desc",
    "sort_desc", "sqrt", "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan",
    "tanh", "time", "timestamp", "vector", "year",
}  # fmt: skip
GROUPING = ("by", "without", "on", "ignoring", "group_left", "group_right")
KEYWORDS = {*GROUPING, "and", "or", "unless", "offset", "bool", "atan2", "inf", "nan"}

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GRAFANA_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+")
_MATCHERS = re.compile(r"\{([^{}]*)\}")
_MATCHER_LABEL = re.compile(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)")
_GROUPING_CLAUSE = re.compile(r"\b(?:" + "|".join(GROUPING) + r")\s*\(([^()]*)\)")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_IDENTIFIER = re.compile(r"(?<![\w.])([A-Za-z_:][\w:]*)(\s*\()?")
_LEGEND_LABEL = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")
_TEMPLATE_LABEL = re.compile(r"\$labels\.([A-Za-z_]\w*)")


# --- PromQL, read just enough -------------------------------------------------------------


def _strip(expr: str) -> str:
    """The expression without Grafana variables and with every string literal emptied."""
    return _STRING.sub('""', _GRAFANA_VARIABLE.sub("", expr))


def label_names(expr: str) -> set[str]:
    """Labels an expression matches on or groups by."""
    text = _strip(expr)
    names = {label for body in _MATCHERS.findall(text) for label in _MATCHER_LABEL.findall(body)}
    for clause in _GROUPING_CLAUSE.findall(text):
        names.update(part.strip() for part in clause.split(",") if part.strip())
    return names


def metric_names(expr: str) -> set[str]:
    """Metric names an expression selects: identifiers that are no function, keyword or label."""
    text = _GROUPING_CLAUSE.sub(" ", _MATCHERS.sub(" ", _strip(expr)))
    text = _RANGE.sub(" ", text)
    names = set()
    for name, call in _IDENTIFIER.findall(text):
        if call:
            assert name in FUNCTIONS | AGGREGATIONS | KEYWORDS, f"unknown function {name}()"
        elif name not in AGGREGATIONS | KEYWORDS:
            names.add(name)
    return names


def test_promql_reader_finds_metrics_and_labels() -> None:
    expr = (
        'sum by (group, topic) ((increase(balas_dead_letters_total{topic=~"$topic"}[5m]) > 0)'
        " or (balas_dead_letters_total unless balas_dead_letters_total offset 10m)) / on (group)"
        " group_left histogram_quantile(0.95, sum by (le) (rate(x_seconds_bucket[$__range])))"
        ' * 1e-3 > bool 2 and label_replace(up, "a", "$1", "job", "(.*)")'
    )

    assert metric_names(expr) == {"balas_dead_letters_total", "x_seconds_bucket", "up"}
    assert label_names(expr) == {"group", "topic", "le"}
    with pytest.raises(AssertionError, match="unknown function"):
        metric_names("rates(x[5m])")


# --- What the services export -------------------------------------------------------------

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gaugehistogram": ("_bucket", "_gcount", "_gsum"),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
    "stateset": ("",),
    "unknown": ("",),
}


def _sample_names(registry: CollectorRegistry) -> set[str]:
    """Every sample name a registry exposes, also of labelled metrics that have no child yet."""
    names: set[str] = set()
    for family in registry.collect():
        names.update(family.name + suffix for suffix in _SUFFIXES[family.type])
        names.update(sample.name for sample in family.samples)
    return names


def _labelled(metric: MetricWrapperBase) -> tuple[set[str], set[str]]:
    family = next(iter(metric.describe()))
    labels = set(metric._labelnames)  # prometheus_client keeps them only on this attribute
    return {family.name + suffix for suffix in _SUFFIXES[family.type]}, labels


def _service_metrics() -> Iterator[MetricWrapperBase]:
    for module_name in METRIC_MODULES:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, MetricWrapperBase):
                yield value


def _faststream_metrics(registry: CollectorRegistry) -> Iterator[MetricWrapperBase]:
    middleware = KafkaPrometheusMiddleware(registry=registry, app_name="test")
    container = middleware._metrics_container
    for slot in type(container).__slots__:
        value = getattr(container, slot, None)
        if isinstance(value, MetricWrapperBase):
            yield value


@functools.cache
def exported() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """(sample names, sample name -> label names) of everything a Balas service exports."""
    faststream_registry = CollectorRegistry()
    metrics = [*_service_metrics(), *_faststream_metrics(faststream_registry)]
    names = _sample_names(REGISTRY) | _sample_names(faststream_registry)  # + process_*, python_*
    labels: dict[str, frozenset[str]] = {}
    for metric in metrics:
        samples, label_set = _labelled(metric)
        labels.update(dict.fromkeys(samples, frozenset(label_set)))
    return frozenset(names), labels


def test_exported_names_include_every_kind_of_metric() -> None:
    names, labels = exported()

    assert {
        "balas_events_consumed_total",
        "balas_event_handler_seconds_bucket",
        "balas_consumer_lag",
        "balas_webhook_rejections_total",
        "balas_kpi_first_response_seconds_bucket",
        "faststream_published_messages_total",
        "faststream_published_messages_duration_seconds_bucket",
        "process_resident_memory_bytes",
    } <= names
    assert "balas_event_handler_seconds" not in names  # a histogram's name is no series
    assert labels["balas_consumer_lag"] == {"group", "topic", "partition"}


def test_exported_labels_are_bounded() -> None:
    _, labels = exported()

    for name, label_set in labels.items():
        for label in label_set:
            assert not any(word in label for word in FORBIDDEN_LABEL_WORDS), (name, label)


# --- Dashboards ---------------------------------------------------------------------------


def _json(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])  # a collapsed row holds its panels


def _targets(dashboard: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for panel in _panels(dashboard):
        for target in panel.get("targets", []):
            yield panel["title"], target


def _datasource_uid() -> str:
    uid: str = _yaml(DATASOURCES)["datasources"][0]["uid"]
    return uid


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = _yaml(DEPLOY / "docker-compose.yml")
    return document


def test_there_are_an_operations_and_a_business_board() -> None:
    assert {path.stem for path in DASHBOARDS} == {"operations", "business"}
    uids = [_json(path)["uid"] for path in DASHBOARDS]
    assert len(set(uids)) == len(uids)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_dashboard_structure(path: Path) -> None:
    dashboard = _json(path)
    panels = list(_panels(dashboard))
    ids = [panel["id"] for panel in panels]

    assert dashboard["title"].startswith("Balas / ")
    assert dashboard["schemaVersion"] >= 39  # Grafana 11 or newer
    assert dashboard.get("id") is None  # provisioned: Grafana assigns it
    assert len(set(ids)) == len(ids), "panel ids repeat"
    for panel in panels:
        box = panel["gridPos"]
        assert box["x"] >= 0, panel["title"]
        assert 0 < box["w"] <= 24 - box["x"], panel["title"]
        assert box["h"] > 0, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["type"] in {"timeseries", "stat", "bargauge", "heatmap", "piechart"}
        assert panel.get("description"), f"{panel['title']}: say what it shows"
        assert panel["datasource"]["uid"] == _datasource_uid(), panel["title"]
        assert panel["targets"], f"{panel['title']} has no query"
        unit = (
            panel["options"]["yAxis"].get("unit")
            if panel["type"] == "heatmap"
            else panel["fieldConfig"]["defaults"].get("unit")
        )
        assert unit, f"{panel['title']} has no unit"
        for target in panel["targets"]:
            assert target["expr"].strip(), panel["title"]
            assert target["datasource"]["uid"] == _datasource_uid(), panel["title"]
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert len(set(ref_ids)) == len(ref_ids), panel["title"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_dashboard_panels_do_not_overlap(path: Path) -> None:
    boxes = [(panel["title"], panel["gridPos"]) for panel in _panels(_json(path))]

    for (title_a, a), (title_b, b) in itertools.combinations(boxes, 2):
        apart = (
            a["x"] + a["w"] <= b["x"]
            or b["x"] + b["w"] <= a["x"]
            or a["y"] + a["h"] <= b["y"]
            or b["y"] + b["h"] <= a["y"]
        )
        assert apart, f"{title_a!r} overlaps {title_b!r}"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_every_panel_queries_exported_metrics(path: Path) -> None:
    names, _ = exported()
    queried: set[str] = set()
    for title, target in _targets(_json(path)):
        used = metric_names(target["expr"])
        assert used, f"{title}: no metric in {target['expr']!r}"
        assert used <= names | PROMETHEUS_SERIES, f"{title}: not exported: {used - names}"
        queried |= used

    assert queried


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_every_panel_label_is_exported_and_bounded(path: Path) -> None:
    _, labels = exported()
    for title, target in _targets(_json(path)):
        expr = target["expr"]
        available = set(TARGET_LABELS)
        for name in metric_names(expr):
            available |= labels.get(name, set())
        used = label_names(expr) | set(_LEGEND_LABEL.findall(target.get("legendFormat", "")))

        assert used <= available, f"{title}: no such label {used - available} in {expr!r}"
        for label in used:
            assert not any(word in label for word in FORBIDDEN_LABEL_WORDS), (title, label)


def test_operations_board_covers_the_pipeline() -> None:
    used = {name for _, t in _targets(_json(GRAFANA / "dashboards" / "operations.json"))
            for name in metric_names(t["expr"])}  # fmt: skip

    assert {
        "balas_events_consumed_total",
        "balas_event_handler_seconds_bucket",
        "balas_consumer_lag",
        "balas_events_in_flight",
        "balas_event_retries_total",
        "balas_dead_letters_total",
        "balas_webhooks_total",
        "balas_webhook_rejections_total",
        "balas_reply_pipeline_seconds_bucket",
        "balas_llm_request_seconds_bucket",
        "balas_llm_errors_total",
        "balas_llm_tokens_total",
        "balas_twilio_errors_total",
        "faststream_published_messages_total",
    } <= used


def test_business_board_shows_every_kpi_per_store() -> None:
    dashboard = _json(GRAFANA / "dashboards" / "business.json")
    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
    store = variables["store"]
    query = store["query"]["query"] if isinstance(store["query"], dict) else store["query"]

    assert store["type"] == "query"
    assert re.fullmatch(r"label_values\(\s*balas_kpi_\w+\s*,\s*store\s*\)", query)
    assert store["multi"]
    assert store["includeAll"]
    kpis = set()
    for title, target in _targets(dashboard):
        for name in metric_names(target["expr"]):
            if name.startswith("balas_kpi_"):
                kpis.add(name)
                assert re.search(r'store=~"\$store"', target["expr"]), f"{title}: not per store"
    _, labels = exported()
    kpi_metrics = {name for name in labels if name.startswith("balas_kpi_")}
    # Every KPI counter and the first-response histogram's buckets are on the board.
    assert {name for name in kpi_metrics if name.endswith("_total")} <= kpis
    assert "balas_kpi_first_response_seconds_bucket" in kpis


# --- Provisioning and compose -------------------------------------------------------------


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> host path of a service's bind mounts (short syntax)."""
    mounts = {}
    for volume in service["volumes"]:
        source, target, *_ = volume.split(":")
        mounts[target] = source
    return mounts


def test_datasource_is_the_compose_prometheus(compose: dict[str, Any]) -> None:
    (datasource,) = _yaml(DATASOURCES)["datasources"]
    prometheus_ports = compose["services"]["prometheus"]["ports"]

    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090"
    assert any(port.endswith(":9090") for port in prometheus_ports)
    assert datasource["isDefault"] is True


def test_dashboard_provider_reads_the_mounted_dashboards(compose: dict[str, Any]) -> None:
    (provider,) = _yaml(DASHBOARD_PROVIDERS)["providers"]
    mounts = _mounts(compose["services"]["grafana"])

    assert provider["type"] == "file"
    assert mounts[provider["options"]["path"]] == "./grafana/dashboards"


def test_grafana_service(compose: dict[str, Any]) -> None:
    grafana = compose["services"]["grafana"]
    mounts = _mounts(grafana)
    environment = grafana["environment"]

    assert grafana["image"].startswith("grafana/grafana:")
    assert "3000:3000" in grafana["ports"]
    assert grafana["depends_on"]["prometheus"]["condition"] == "service_started"
    assert mounts["/etc/grafana/provisioning/datasources"] == ("./grafana/provisioning/datasources")
    assert mounts["/etc/grafana/provisioning/dashboards"] == "./grafana/provisioning/dashboards"
    for volume in grafana["volumes"]:
        if volume.startswith("./"):
            assert volume.endswith(":ro"), volume
    assert environment["GF_AUTH_ANONYMOUS_ENABLED"] == "false"  # every reader signs in
    assert environment["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GRAFANA_ADMIN_PASSWORD:?")
    home = environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home.startswith("/etc/grafana/dashboards/")
    assert (GRAFANA / "dashboards" / Path(home).name).is_file()


def test_prometheus_loads_the_mounted_alert_rules(compose: dict[str, Any]) -> None:
    rule_files = _yaml(DEPLOY / "prometheus" / "prometheus.yml")["rule_files"]
    mounts = _mounts(compose["services"]["prometheus"])

    assert rule_files == ["/etc/prometheus/alerts.yml"]
    assert mounts["/etc/prometheus/alerts.yml"] == "./prometheus/alerts.yml"


# --- Alert rules --------------------------------------------------------------------------


def _rules() -> list[dict[str, Any]]:
    return [rule for group in _yaml(ALERTS)["groups"] for rule in group["rules"]]


def test_every_alert_has_for_severity_summary_and_description() -> None:
    rules = _rules()
    alert_names = [rule["alert"] for rule in rules]

    assert len(set(alert_names)) == len(alert_names)
    for rule in rules:
        assert re.fullmatch(r"\d+[smh]", str(rule["for"])), rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"].strip(), rule["alert"]
        assert rule["annotations"]["description"].strip(), rule["alert"]


def test_alerts_query_exported_metrics_and_bounded_labels() -> None:
    names, labels = exported()
    for rule in _rules():
        used = metric_names(rule["expr"])
        available = set(TARGET_LABELS)
        for name in used:
            available |= labels.get(name, set())
        annotations = " ".join(rule["annotations"].values())
        templated = set(_TEMPLATE_LABEL.findall(annotations))

        assert used, rule["alert"]
        assert used <= names | PROMETHEUS_SERIES, f"{rule['alert']}: not exported: {used - names}"
        assert label_names(rule["expr"]) | templated <= available, rule["alert"]
        for label in label_names(rule["expr"]) | templated | set(rule["labels"]):
            assert not any(word in label for word in FORBIDDEN_LABEL_WORDS), (rule["alert"], label)


@pytest.mark.parametrize(
    "metric",
    [
        "balas_dead_letters_total",  # DLQ growth
        "balas_consumer_lag",  # consumer lag
        "balas_llm_errors_total",  # LLM error rate
        "balas_webhook_rejections_total",  # webhook rejection spikes
        "balas_kpi_delivery_failures_total",  # delivery failures
        "balas_consumers_paused",  # a consumer waiting for a dependency that is down
    ],
)
def test_an_alert_watches(metric: str) -> None:
    assert any(metric in metric_names(rule["expr"]) for rule in _rules())


def test_alert_unit_tests_cover_every_alert() -> None:
    tested = {
        check["alertname"]
        for case in _yaml(ALERT_TESTS)["tests"]
        for check in case["alert_rule_test"]
        if check["exp_alerts"]
    }

    assert tested == {rule["alert"] for rule in _rules()}


def test_promtool_accepts_the_rules_and_their_unit_tests() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus)")

    for command in (["check", "rules", ALERTS.name], ["test", "rules", ALERT_TESTS.name]):
        result = subprocess.run(
            [promtool, *command],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=ALERTS.parent,
        )
        assert result.returncode == 0, result.stdout + result.stderr
