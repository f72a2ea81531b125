"""What crosses Redis in celery mode: JSON only, and every error comes back as itself."""

from __future__ import annotations

import json
from typing import Any

import pytest

from docwarden.celery.codec import (
    decode_payload,
    encode_payload,
    error_answer,
    outcome_answer,
    outcome_from_answer,
    outcome_from_task,
)
from docwarden.errors import (
    ERROR_TREE,
    DocwardenError,
    GpuMemory,
    InternalError,
    JobTimeout,
    Overloaded,
)
from docwarden.jobdata import BinaryResult, JobOutcome, JobPayload

ALL_BYTES = bytes(range(256)) * 3


def over_the_wire(body: dict[str, Any]) -> dict[str, Any]:
    """As Celery's JSON serializer carries it (no pickle, no bytes)."""
    loaded: dict[str, Any] = json.loads(json.dumps(body))
    return loaded


def test_a_payload_survives_json_bit_for_bit() -> None:
    payload = JobPayload(data=ALL_BYTES, files={"back": b"\x00\xff", "empty": b""},
                         params={"side": "front", "pages": [1, 2], "scale": 2.5},
                         last_of_batch=True)
    assert decode_payload(over_the_wire(encode_payload(payload))) == payload
    assert decode_payload(over_the_wire(encode_payload(JobPayload()))) == JobPayload()


def test_a_json_result_comes_back_with_the_node_name() -> None:
    outcome = JobOutcome(result={"text": "你好", "lines": [{"score": 0.9}]}, worker_pid=41,
                         duration_s=0.25, queue_wait_s=0.01, peak_rss_bytes=10, max_rss_bytes=20)
    back = outcome_from_answer(over_the_wire(outcome_answer(outcome, "node-a")))
    assert back.result == {"text": "你好", "lines": [{"score": 0.9}], "node": "node-a"}
    assert (back.worker_pid, back.duration_s, back.queue_wait_s) == (41, 0.25, 0.01)
    assert (back.peak_rss_bytes, back.max_rss_bytes) == (10, 20)


def test_a_binary_result_comes_back_with_the_node_in_its_headers() -> None:
    image = BinaryResult(ALL_BYTES, "image/png", {"scale": 4})
    outcome = JobOutcome(result=image, worker_pid=7, duration_s=1.0, queue_wait_s=0.0,
                         peak_rss_bytes=0)
    back = outcome_from_answer(over_the_wire(outcome_answer(outcome, "b")))
    assert back.result == BinaryResult(ALL_BYTES, "image/png", {"scale": 4, "node": "b"})


@pytest.mark.parametrize("cls", ERROR_TREE, ids=lambda cls: cls.code.value)
def test_every_error_class_maps_back_to_itself(cls: type[DocwardenError]) -> None:
    answer = over_the_wire(error_answer(cls("it went wrong", retry_after_s=3), "a"))
    with pytest.raises(cls) as raised:
        outcome_from_answer(answer)
    assert type(raised.value) is cls
    assert raised.value.status == cls.status
    assert raised.value.message == "it went wrong"
    assert raised.value.retry_after_s == 3


def test_error_details_and_retry_after_cross_the_wire() -> None:
    error = GpuMemory("GPU full", retry_after_s=10, details={"gpu_info": {"free_mb": 3}})
    with pytest.raises(GpuMemory) as raised:
        outcome_from_answer(over_the_wire(error_answer(error, "a")))
    assert raised.value.details == {"gpu_info": {"free_mb": 3}}
    assert raised.value.to_dict() == error.to_dict()
    with pytest.raises(Overloaded) as overloaded:
        outcome_from_answer(over_the_wire(error_answer(Overloaded("full"), "a")))
    assert overloaded.value.retry_after_s is None


def test_an_unknown_error_code_is_an_internal_error() -> None:
    with pytest.raises(InternalError):
        outcome_from_answer({"error": {"code": "from_the_future", "message": "?"}})


def test_celery_task_states_map_to_errors() -> None:
    outcome = JobOutcome(result={"ok": True}, worker_pid=1, duration_s=0, queue_wait_s=0,
                         peak_rss_bytes=0)
    assert outcome_from_task("SUCCESS", outcome_answer(outcome, "a")).result["node"] == "a"
    with pytest.raises(JobTimeout) as expired:
        outcome_from_task("REVOKED", None)
    assert expired.value.status == 504
    with pytest.raises(InternalError) as failed:
        outcome_from_task("FAILURE", {"exc_type": "KeyError", "exc_message": ["x"]})
    assert "KeyError" in failed.value.message and failed.value.status == 500
    with pytest.raises(InternalError):
        outcome_from_answer({"result": {"json": ["not", "an", "object"]}})
