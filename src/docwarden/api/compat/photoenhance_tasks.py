"""PhotoEnhanceAI's tasks as views of docwarden's async jobs.

A task is one `enhance` job of the SQLite job store, so it survives a server
restart; its id is the job id written as a UUID (upstream's format).  What
the job store does not hold (the upload's file name, a batch's member jobs)
is a small JSON note (`docwarden.jobs.notes`), forgotten after
JOB_RETENTION_S like the jobs themselves.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from docwarden.errors import scrub
from docwarden.jobs.models import JobRecord, JobStatus, is_valid_job_id

# Upstream's status words (api/main.py; docs/API_REFERENCE.md lists cancelled too).
WORDS = {JobStatus.QUEUED: "queued", JobStatus.RUNNING: "processing",
         JobStatus.DONE: "completed", JobStatus.FAILED: "failed",
         JobStatus.CANCELLED: "cancelled"}
MESSAGES = {JobStatus.QUEUED: "任务排队中", JobStatus.RUNNING: "图像增强处理中 (4倍超分辨率)...",
            JobStatus.DONE: "图像增强完成 (4倍超分辨率)", JobStatus.FAILED: "图像增强失败",
            JobStatus.CANCELLED: "任务已取消"}


def task_id(job_id: str) -> str:
    """The job id as upstream's task ids look (uuid4 text)."""
    return str(uuid.UUID(hex=job_id))


def job_id_of(task: str) -> str | None:
    """The job id a task id names, or None when it cannot name one."""
    candidate = task.replace("-", "").lower()
    return candidate if is_valid_job_id(candidate) else None


def progress(record: JobRecord) -> float:
    """0-1 as upstream reported it: 0 queued, 0.1 started, 1.0 completed."""
    if record.status is JobStatus.DONE:
        return 1.0
    if record.started_at is None:
        return 0.0
    share = record.progress_done / record.progress_total if record.progress_total else 0.0
    return round(0.1 + 0.8 * min(1.0, share), 3)


def task_status(record: JobRecord) -> dict[str, Any]:
    """Upstream's TaskStatus model, plus `error_code` (docwarden's) on failure."""
    word = WORDS[record.status]
    body: dict[str, Any] = {
        "task_id": task_id(record.id), "status": word, "message": MESSAGES[record.status],
        "progress": progress(record), "result_url": None, "error": None,
        "created_at": record.created_at,
        "updated_at": record.finished_at or record.started_at or record.created_at,
        "processing_time": (record.finished_at - record.started_at
                            if record.finished_at and record.started_at else None),
    }
    if record.status is JobStatus.DONE:
        body["result_url"] = f"/api/v1/download/{body['task_id']}"
    if record.error is not None:
        body["error"] = scrub(str(record.error.get("message", "")))
        body["error_code"] = record.error.get("code")
    return body


def enhanced_name(original: str) -> str:
    """Upstream's download name: `<stem>_enhanced<suffix>` (the bytes are JPEG, as there)."""
    path = PurePath(original or "image.jpg")
    return f"{path.stem or 'image'}_enhanced{path.suffix or '.jpg'}"


def zip_names(filenames: list[str]) -> list[str]:
    """ZIP member names: the uploads' base names (as upstream), never a path, never twice."""
    names: list[str] = []
    for index, original in enumerate(filenames):
        name = PurePath(original.replace("\\", "/")).name or f"image_{index:03d}.jpg"
        names.append(f"{index:03d}_{name}" if name in names else name)
    return names


def _sub_task(job_id: str, filename: str, record: JobRecord | None) -> dict[str, Any]:
    if record is None:  # forgotten after JOB_RETENTION_S
        return {"task_id": task_id(job_id), "status": "failed", "filename": filename,
                "progress": 0.0, "error": "the task is no longer stored"}
    status = task_status(record)
    return {"task_id": status["task_id"], "status": status["status"], "filename": filename,
            "progress": status["progress"], "error": status["error"]}


def batch_word(total: int, queued: int, completed: int, failed: int) -> str:
    """Upstream's batch words: queued, processing, completed, partial_completed, failed."""
    if queued == total:
        return "queued"
    if completed + failed < total:
        return "processing"
    if not failed:
        return "completed"
    return "partial_completed" if completed else "failed"


def batch_status(batch_id: str, note: dict[str, Any], records: list[JobRecord | None]
                 ) -> dict[str, Any]:
    """Upstream's BatchTaskStatus: counts, 0-1 progress and one entry per file, in order."""
    subs = [_sub_task(job, name, record)
            for job, name, record in zip(note["tasks"], note["filenames"], records, strict=True)]
    total = len(subs)
    completed = sum(1 for s in subs if s["status"] == "completed")
    failed = sum(1 for s in subs if s["status"] in ("failed", "cancelled"))
    queued = sum(1 for s in subs if s["status"] == "queued")
    word = batch_word(total, queued, completed, failed)
    finished = completed + failed
    shares = [1.0 if s["status"] in ("completed", "failed", "cancelled") else s["progress"]
              for s in subs]
    message = {"queued": "批量任务排队中", "processing": f"批量处理中：已完成{finished}/{total}张"}
    updated = [r.finished_at or r.started_at or r.created_at for r in records if r is not None]
    return {
        "batch_task_id": task_id(batch_id), "status": word,
        "message": message.get(word, f"批量处理完成：成功{completed}张，失败{failed}张"),
        "total_files": total, "completed_files": completed, "failed_files": failed,
        "progress": round(sum(shares) / total, 3) if total else 1.0, "sub_tasks": subs,
        "created_at": note["created_at"], "updated_at": max(updated, default=note["created_at"]),
    }
