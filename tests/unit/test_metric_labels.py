"""No metric of any service is labelled with personal data: label values are bounded sets
(stores, topics, outcomes), never a customer's number, name, e-mail or words. The end-to-end
run checks the values (tests/e2e/test_personal_data_in_logs.py); this checks every label name."""

import importlib
import pkgutil

from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

from shared import kafka
from shared.settings import Settings

PERSONAL_WORDS = frozenset(
    {"phone", "number", "msisdn", "email", "mail", "name", "text", "customer", "conversation"}
)
NOT_PERSONAL = {"app_name": "the Kafka client id: which service"}


def import_every_module() -> None:
    """Every module of the services and of shared/, so that every metric is registered; and a
    broker, whose middleware registers FastStream's own metrics."""
    for package_name in ("shared", "services", "balas"):
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if not module.name.endswith("__main__"):  # runs a command when imported
                importlib.import_module(module.name)
    kafka.make_broker(Settings().updated(kafka={"bootstrap_servers": "127.0.0.1:9"}), "labels")


def label_names() -> dict[str, tuple[str, ...]]:
    """Each registered metric's label names, by metric (read from private fields: the registry
    lists its collectors publicly only as samples, and a metric not used yet has none)."""
    collectors = set(REGISTRY._names_to_collectors.values())
    return {
        collector._name: tuple(collector._labelnames)
        for collector in collectors
        if isinstance(collector, MetricWrapperBase)
    }


def test_no_metric_label_of_any_service_names_personal_data() -> None:
    import_every_module()
    labelled = label_names()

    personal = {
        (metric, label)
        for metric, labels in labelled.items()
        for label in labels
        if label not in NOT_PERSONAL and PERSONAL_WORDS & set(label.split("_"))
    }
    assert personal == set()
    assert len(labelled) > 40  # the services' metrics were all registered
    every_label = {label for labels in labelled.values() for label in labels}
    assert {"store", "group", "topic"} <= every_label
