"""/metrics of an API node in celery mode: its own series and every live node's, one scrape.

Each compute node writes its Prometheus text to Redis with its heartbeat
(`docwarden:metrics:<node>`, expiring with the heartbeat); the API node adds a
`node` label to every sample, its own included, and merges families by name,
so the DESIGN.md names (`docwarden_jobs_total`, `docwarden_workers`, ...) read
the same as on one machine, split by node.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

METRICS_KEY_PREFIX = "docwarden:metrics:"


def metrics_key(node: str) -> str:
    return METRICS_KEY_PREFIX + node


def _labelled(text: str, node: str) -> Iterator[Metric]:
    for family in text_string_to_metric_families(text):
        family.samples = [Sample(s.name, {**s.labels, "node": node}, s.value, s.timestamp,
                                 s.exemplar) for s in family.samples]
        yield family


class _Merged:
    """A collector that yields fixed families (generate_latest renders collectors)."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families


def merge_metrics(own: bytes, own_node: str, nodes: Mapping[str, bytes]) -> bytes:
    """One exposition: families by name, each sample labelled with the node it is from.

    A node's text that does not parse (not ours, cut short) is left out, never
    allowed to break the scrape.
    """
    merged: dict[str, Metric] = {}
    sources = [(own_node, own), *sorted(nodes.items())]
    for node, text in sources:
        try:
            families = list(_labelled(text.decode("utf-8", "replace"), node))
        except (ValueError, TypeError, IndexError):
            continue
        for family in families:
            known = merged.setdefault(family.name, family)
            if known is not family and known.type == family.type:
                known.samples.extend(family.samples)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Merged(list(merged.values())))
    return generate_latest(registry)
