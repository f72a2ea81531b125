"""merge_metrics: one exposition of the API node's and the compute nodes' series."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from docwarden.celery.metrics import merge_metrics
from docwarden.monitoring.metrics import Metrics


def node_text(engine: str, jobs: int) -> bytes:
    metrics = Metrics()
    metrics.jobs.labels(engine, "ok").inc(jobs)
    metrics.job_duration.labels(engine).observe(0.2)
    metrics.workers.labels(engine, "idle").set(2)
    return metrics.render()


def samples(text: bytes, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found = {}
    for family in text_string_to_metric_families(text.decode()):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_every_sample_carries_its_node_and_families_merge_by_name() -> None:
    api = Metrics()
    api.rejected.labels("ocr", "overloaded").inc()
    merged = merge_metrics(api.render(), "api-1", {"a": node_text("ocr", 3),
                                                   "b": node_text("ocr", 5)})
    jobs = samples(merged, "docwarden_jobs_total")
    assert jobs == {(("engine", "ocr"), ("node", "a"), ("outcome", "ok")): 3.0,
                    (("engine", "ocr"), ("node", "b"), ("outcome", "ok")): 5.0}
    assert samples(merged, "docwarden_rejected_total") == {
        (("engine", "ocr"), ("node", "api-1"), ("reason", "overloaded")): 1.0}
    counts = samples(merged, "docwarden_job_duration_seconds_count")
    assert {dict(labels)["node"] for labels in counts} == {"a", "b"}
    text = merged.decode()
    assert text.count("# TYPE docwarden_jobs_total counter") == 1  # one family, not three
    assert text.count("# TYPE docwarden_workers gauge") == 1


def test_a_node_text_that_does_not_parse_is_left_out() -> None:
    merged = merge_metrics(Metrics().render(), "api", {"bad": b"not {prometheus text",
                                                       "a": node_text("pdf", 1)})
    assert samples(merged, "docwarden_jobs_total") == {
        (("engine", "pdf"), ("node", "a"), ("outcome", "ok")): 1.0}
