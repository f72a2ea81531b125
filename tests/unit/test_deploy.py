"""Unit files of `docwarden deploy`: content, escaping, and systemd's own verdict."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from docwarden.deploy import (
    DeployOptions,
    render_supervisor,
    render_systemd,
    settings_environment,
)
from docwarden.readings import parse_memory_size
from docwarden.settings import Settings

EXEC = Path(sys.executable)  # any existing absolute executable stands in for docwarden


def directives(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found


def test_parse_memory_size() -> None:
    assert parse_memory_size("4G") == 4 * 1024**3
    assert parse_memory_size("512M") == 512 * 1024**2
    assert parse_memory_size("1.5GiB") == int(1.5 * 1024**3)
    for bad in ("", "four", "4X", "0G", "-1G"):
        with pytest.raises(ValueError):
            parse_memory_size(bad)


def test_systemd_unit_has_the_governance_directives() -> None:
    settings = Settings(workers=2, engines=["ocr", "pdf"], shutdown_grace_s=30, kill_grace_s=1)
    unit = render_systemd(settings, DeployOptions(memory_max="4G", exec_path=EXEC,
                                                  user="svc"))
    found = directives(unit)
    assert found["MemoryMax"] == ["4096M"] and found["MemoryHigh"] == ["3686M"]
    assert found["OOMPolicy"] == ["continue"] and found["KillMode"] == ["control-group"]
    assert found["Restart"] == ["on-failure"] and found["LimitNOFILE"] == ["65536"]
    assert int(found["TimeoutStopSec"][0].removesuffix("s")) > 31
    assert found["CPUQuota"] == ["500%"] and int(found["TasksMax"][0]) >= 256
    assert found["ExecStart"] == [f"{EXEC} serve"] and found["User"] == ["svc"]
    env = found["Environment"]
    assert '"DOCWARDEN_WORKERS=2"' in env and '"DOCWARDEN_ENGINES=ocr,pdf"' in env
    assert '"OMP_NUM_THREADS=1"' in env
    assert not any("DOCWARDEN_PORT" in line for line in env)  # default: not written
    assert not any("CUDA" in line for line in env)


def test_cuda_adds_device_variables() -> None:
    unit = render_systemd(Settings(device="cuda"), DeployOptions(exec_path=EXEC,
                                                                 gpu_devices="1"))
    env = directives(unit)["Environment"]
    assert '"CUDA_VISIBLE_DEVICES=1"' in env
    assert '"PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True"' in env


def test_api_key_is_never_written() -> None:
    settings = Settings(api_key="top-secret")
    assert "DOCWARDEN_API_KEY" not in settings_environment(settings)
    unit = render_systemd(settings, DeployOptions(exec_path=EXEC))
    assert "top-secret" not in unit and "EnvironmentFile (mode 600)" in unit
    with_file = render_systemd(settings, DeployOptions(exec_path=EXEC,
                                                       env_file=Path("/etc/docwarden/env")))
    assert directives(with_file)["EnvironmentFile"] == ["/etc/docwarden/env"]
    assert "top-secret" not in render_supervisor(settings, DeployOptions(exec_path=EXEC))


def test_values_are_escaped_and_injection_refused(tmp_path: Path) -> None:
    odd = Settings(data_dir=Path('/srv/dw data/50% "x"'))
    unit = render_systemd(odd, DeployOptions(exec_path=EXEC))
    assert 'Environment="DOCWARDEN_DATA_DIR=/srv/dw data/50%% \\"x\\""' in unit
    with pytest.raises(ValueError):
        render_systemd(Settings(), DeployOptions(exec_path=EXEC, user="root\nExecStartPre=x"))
    with pytest.raises(ValueError):
        render_systemd(Settings(), DeployOptions(exec_path=EXEC, description="a\n[Service]"))


def test_supervisor_program(tmp_path: Path) -> None:
    settings = Settings(workers=3)
    text = render_supervisor(settings, DeployOptions(exec_path=EXEC, user="svc",
                                                     env_file=Path("/etc/dw env")))
    found = directives(text)
    assert "[program:docwarden]" in text
    assert found["stopasgroup"] == ["true"] and found["killasgroup"] == ["true"]
    assert found["autorestart"] == ["unexpected"] and int(found["stopwaitsecs"][0]) > 31
    assert 'DOCWARDEN_WORKERS="3"' in found["environment"][0]
    command = shlex.split(found["command"][0])
    assert command[:2] == ["/bin/sh", "-c"] and "'/etc/dw env'" in command[2]
    assert command[2].endswith(f"exec {EXEC} serve")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed on this machine")
def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    settings = Settings(workers=2, device="cuda", data_dir=Path("/srv/dw data/50%"))
    unit_path = tmp_path / "docwarden.service"
    unit_path.write_text(render_systemd(settings, DeployOptions(exec_path=EXEC, user=None)))
    verify = subprocess.run(["systemd-analyze", "verify", str(unit_path)],
                            capture_output=True, text=True, timeout=60, check=False)
    complaints = [line for line in (verify.stdout + verify.stderr).splitlines()
                  if str(unit_path.name) in line or "Unknown" in line or "Failed" in line]
    assert verify.returncode == 0, verify.stderr
    assert complaints == []


def test_a_worker_unit_runs_docwarden_worker_under_the_same_limits() -> None:
    options = DeployOptions(exec_path=Path("/opt/dw/bin/docwarden"), command="worker")
    unit = render_systemd(Settings(), options)
    assert "ExecStart=/opt/dw/bin/docwarden worker" in unit
    assert "/etc/systemd/system/docwarden-worker.service" in unit and "MemoryMax=" in unit
    program = render_supervisor(Settings(), options)
    assert "[program:docwarden-worker]" in program and "docwarden worker" in program
    with pytest.raises(ValueError, match=r"serve.*worker"):
        render_systemd(Settings(), DeployOptions(exec_path=Path("/x"), command="rm"))
