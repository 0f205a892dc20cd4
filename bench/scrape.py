"""Means of a service's Prometheus histograms over a run, from two scrapes of /metrics."""

from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

Labels = Mapping[str, str]
Histograms = dict[str, tuple[str, dict[str, str]]]  # what it measures -> (metric name, labels)


@dataclass(frozen=True)
class Scrape:
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    def value(self, name: str, labels: Labels) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(url: str) -> Scrape:
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(url)).text
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = float(sample.value)
    return Scrape(samples)


def mean_between(before: Scrape, after: Scrape, histogram: str, labels: Labels) -> float | None:
    """The histogram's mean observation between the two scrapes; None if nothing was observed."""
    count = after.value(f"{histogram}_count", labels) - before.value(f"{histogram}_count", labels)
    total = after.value(f"{histogram}_sum", labels) - before.value(f"{histogram}_sum", labels)
    return total / count if count else None


def means_between(before: Scrape, after: Scrape, histograms: Histograms) -> dict[str, float]:
    """Each histogram's mean over the run, leaving out those that observed nothing."""
    means = {
        label: mean_between(before, after, name, labels)
        for label, (name, labels) in histograms.items()
    }
    return {label: mean for label, mean in means.items() if mean is not None}
