"""deploy/k8s renders, validates against Kubernetes' and the operators' schemas, and stays in step
with Compose and the code: environment, probes, topics, partitions, consumer groups, alert rules."""

import importlib.util
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from balas.supervisor import SERVICES
from shared import topics
from shared.kafka import retention_configs
from shared.settings import Settings, environment_variables

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
OVERLAYS = sorted(path.name for path in (K8S / "overlays").iterdir())
KUBERNETES_VERSION = "1.32"  # the oldest release still supported upstream when this was written
CRD_SCHEMAS = ROOT / "tests" / "fixtures" / "crd_schemas"  # README.md there: sources, licences
CONSUMER_GROUPS = {"responder", "enricher", "kpi_aggregator"}  # the services' GROUP constants


def render(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is missing: install the `kubectl` package (see the Makefile)"
    output = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [document for document in yaml.safe_load_all(output) if document]


@pytest.fixture(scope="module", params=OVERLAYS)
def resources(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(request.param)


def of_kind(resources: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def crd_schema(resource: dict[str, Any]) -> dict[str, Any] | None:
    group, _, version = resource["apiVersion"].rpartition("/")
    path = CRD_SCHEMAS / f"{resource['kind'].lower()}-{group}-{version}.json"
    if not path.exists():
        return None
    return closed(json.loads(path.read_text()))


def closed(schema: Any) -> Any:
    """The schema with unknown fields refused: the API server drops them silently (pruning), so a
    misspelt field would otherwise pass here and do nothing there."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: closed(value) for key, value in schema.items()}
    keeps_unknown = schema.get("x-kubernetes-preserve-unknown-fields") is True
    if "properties" in schema and "additionalProperties" not in schema and not keeps_unknown:
        result["additionalProperties"] = False
    return result


def validate(resource: dict[str, Any]) -> None:
    """Against the operator's CRD schema when it is a custom resource, else Kubernetes' own."""
    schema = crd_schema(resource)
    if schema is None:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    else:
        jsonschema.Draft7Validator(schema).validate(resource)


def test_both_overlays_exist() -> None:
    assert OVERLAYS == ["dev", "production"]


def test_every_resource_validates(resources: list[dict[str, Any]]) -> None:
    for resource in resources:
        validate(resource)


@pytest.mark.parametrize(
    ("kind", "path", "wrong"),
    [
        ("KafkaTopic", ("spec", "partitions"), "eight"),
        ("ScaledObject", ("spec", "maxReplicaCount"), "many"),
        ("MongoDBCommunity", ("spec", "type"), "Standalone"),
        ("Deployment", ("spec", "replicas"), "one"),
        ("KafkaTopic", ("spec", "partition"), 8),
        ("ServiceMonitor", ("spec", "endpoints"), [{"prot": "metrics"}]),
    ],
)
def test_validation_catches_a_wrong_field(
    resources: list[dict[str, Any]], kind: str, path: tuple[str, ...], wrong: Any
) -> None:
    resource = json.loads(json.dumps(next(r for r in resources if r["kind"] == kind)))
    *parents, leaf = path
    target = resource
    for key in parents:
        target = target[key]
    target[leaf] = wrong

    with pytest.raises((jsonschema.ValidationError, kubernetes_validate.ValidationError)):
        validate(resource)


def containers(resources: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, deployment in of_kind(resources, "Deployment").items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            yield name, container


def environment(resources: list[dict[str, Any]], container: dict[str, Any]) -> set[str]:
    config_maps = of_kind(resources, "ConfigMap")
    secrets = of_kind(resources, "Secret")
    names = {variable["name"] for variable in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            names |= set(config_maps[source["configMapRef"]["name"]]["data"])
        else:  # a Secret: generated in dev, created from an external store in production
            secret = secrets.get(source["secretRef"]["name"], {})
            names |= set(secret.get("data", {}))
    return names


def service_config(resources: list[dict[str, Any]]) -> dict[str, str]:
    """The ConfigMap every service reads its environment from (its name carries a hash)."""
    (name,) = {
        source["configMapRef"]["name"]
        for _, container in containers(resources)
        for source in container["envFrom"]
        if "configMapRef" in source
    }
    data: dict[str, str] = of_kind(resources, "ConfigMap")[name]["data"]
    return data


def test_every_service_runs_as_a_deployment_of_its_own(resources: list[dict[str, Any]]) -> None:
    commands = {container["args"][0] for _, container in containers(resources)}

    assert commands == set(SERVICES)


def test_the_services_get_the_environment_compose_gives_them(
    resources: list[dict[str, Any]],
) -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    from_compose = set(compose["x-balas-service"]["environment"])
    settings = set(environment_variables())

    for name, container in containers(resources):
        names = environment(resources, container)
        assert from_compose - names == set(), f"{name} misses what Compose sets"
        assert names - settings == set(), f"{name} sets what no setting reads"


def test_probes_and_termination_match_the_services(resources: list[dict[str, Any]]) -> None:
    defaults = Settings.model_construct()
    probe_ports = {
        "ingest": defaults.ingest.port,
        "console": defaults.console.port,
        "responder": defaults.metrics.responder_port,
        "enricher": defaults.metrics.enricher_port,
        "kpi_aggregator": defaults.metrics.kpi_aggregator_port,
    }
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    grace = int(compose["x-balas-service"]["stop_grace_period"].removesuffix("s"))

    for name, deployment in of_kind(resources, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        port = probe_ports[container["args"][0]]
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}, name
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port}, name
        assert pod["terminationGracePeriodSeconds"] >= grace, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert container["resources"]["limits"]["memory"], name


def test_every_deployment_has_a_disruption_budget(resources: list[dict[str, Any]]) -> None:
    budgets = of_kind(resources, "PodDisruptionBudget")
    covered = {
        b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for b in budgets.values()
    }

    assert covered == set(of_kind(resources, "Deployment"))


def test_every_topic_is_a_kafka_topic_with_the_configured_partitions(
    resources: list[dict[str, Any]],
) -> None:
    kafka_topics = {t["spec"]["topicName"]: t for t in of_kind(resources, "KafkaTopic").values()}
    partitions = int(service_config(resources)["KAFKA_PARTITIONS"])

    assert set(kafka_topics) == set(topics.with_dead_letters())
    for name, topic in kafka_topics.items():
        assert topic["spec"]["partitions"] == partitions, name
        assert int(topic["spec"]["config"]["retention.ms"]) > 0, name


def test_topics_with_personal_data_keep_it_as_long_as_balas_sets_at_start(
    resources: list[dict[str, Any]],
) -> None:
    kafka_topics = {t["spec"]["topicName"]: t for t in of_kind(resources, "KafkaTopic").values()}
    wanted = retention_configs(Settings())  # the ConfigMap leaves RETENTION_DAYS at its default

    assert "RETENTION_DAYS" not in service_config(resources)
    for name, configs in wanted.items():
        assert str(kafka_topics[name]["spec"]["config"]["retention.ms"]) == configs["retention.ms"]


def test_consumers_scale_on_their_group_lag_up_to_the_partition_count(
    resources: list[dict[str, Any]],
) -> None:
    partitions = int(service_config(resources)["KAFKA_PARTITIONS"])
    scaled = of_kind(resources, "ScaledObject").values()
    deployments = of_kind(resources, "Deployment")

    groups = {s["spec"]["triggers"][0]["metadata"]["consumerGroup"] for s in scaled}
    assert groups == CONSUMER_GROUPS
    for scaled_object in scaled:
        target = scaled_object["spec"]["scaleTargetRef"]["name"]
        assert target in deployments
        assert scaled_object["spec"]["maxReplicaCount"] == partitions
    (ingest,) = of_kind(resources, "HorizontalPodAutoscaler").values()
    assert ingest["spec"]["scaleTargetRef"]["name"] == "ingest"


def test_the_consumer_groups_are_the_services_groups() -> None:
    from services.enricher.handlers import GROUP as ENRICHER
    from services.kpi_aggregator.handlers import GROUP as KPI_AGGREGATOR
    from services.responder.repository import GROUP as RESPONDER

    assert {RESPONDER, ENRICHER, KPI_AGGREGATOR} == CONSUMER_GROUPS


def test_only_ingest_and_the_console_are_reachable_from_outside(
    resources: list[dict[str, Any]],
) -> None:
    (ingress,) = of_kind(resources, "Ingress").values()
    backends = {
        path["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
    public = {
        s["metadata"]["name"]
        for s in of_kind(resources, "Service").values()
        if s["spec"].get("clusterIP") != "None"
    }

    assert backends == {"ingest", "console"}
    assert hosts <= set(ingress["spec"]["tls"][0]["hosts"])
    assert public == {"ingest", "console"}
    deny = of_kind(resources, "NetworkPolicy")["default-deny-ingress"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}


def test_the_prometheus_rule_is_the_alert_rules_file() -> None:
    spec = importlib.util.spec_from_file_location("prometheus_rule", K8S / "prometheus_rule.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    assert (K8S / "base" / "prometheus-rule.yaml").read_text() == module.rendered(), (
        "run `python deploy/k8s/prometheus_rule.py`"
    )


def test_the_dashboards_are_config_maps(resources: list[dict[str, Any]]) -> None:
    dashboards = {
        name: json.loads(content)
        for config_map in of_kind(resources, "ConfigMap").values()
        if config_map["metadata"].get("labels", {}).get("grafana_dashboard") == "1"
        for name, content in config_map["data"].items()
    }
    files = {
        p.name: json.loads(p.read_text()) for p in (DEPLOY / "grafana" / "dashboards").iterdir()
    }

    assert dashboards == files
