"""Writes base/prometheus-rule.yaml from deploy/prometheus/alerts.yml: one set of alert rules
for Compose's Prometheus and the Prometheus Operator (tests/unit/test_kubernetes.py fails when
the two differ).

    python deploy/k8s/prometheus_rule.py
"""

from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[1]
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
RULE = DEPLOY / "k8s" / "base" / "prometheus-rule.yaml"
HEADER = (
    "# Generated from deploy/prometheus/alerts.yml by deploy/k8s/prometheus_rule.py: edit that.\n"
)


def prometheus_rule() -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "balas"},
        "spec": yaml.safe_load(ALERTS.read_text()),
    }


def rendered() -> str:
    body = yaml.safe_dump(prometheus_rule(), sort_keys=False, width=100, allow_unicode=True)
    return HEADER + body


if __name__ == "__main__":
    RULE.write_text(rendered())
