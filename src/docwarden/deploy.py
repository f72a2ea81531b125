"""`docwarden deploy systemd|supervisor`: unit files rendered from Settings.

Pure functions returning text.  The systemd unit gives the kernel the last
word on memory (MemoryMax, with MemoryHigh at ~90 % so the cgroup reclaims
before it kills), keeps the service alive when one worker is OOM-killed
(OOMPolicy=continue), kills every worker with the server
(KillMode=control-group) and waits longer than the shutdown grace before it
does.  Only DOCWARDEN_* settings that differ from their defaults are written,
never the API key: a unit file is world-readable, so secrets belong in an
EnvironmentFile with mode 600.
"""

from __future__ import annotations

import math
import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePosixPath

from docwarden import __version__
from docwarden.readings import parse_memory_size
from docwarden.settings import Device, Settings
from docwarden.worker.runtime import thread_environment

SECRET_FIELDS = frozenset({"api_key"})
ACCOUNT_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
STOP_MARGIN_S = 15
COMMANDS = ("serve", "worker")
CUDA_ALLOC_CONF = "expandable_segments:True"


@dataclass(frozen=True)
class DeployOptions:
    """What the operator chooses beyond Settings; None picks a planned default."""

    memory_max: str = "4G"
    memory_high_fraction: float = 0.9
    cpu_quota_percent: int | None = None
    tasks_max: int | None = None
    limit_nofile: int = 65536
    user: str | None = "docwarden"
    group: str | None = None
    working_dir: Path = Path("/var/lib/docwarden")
    env_file: Path | None = None
    exec_path: Path | None = None
    gpu_devices: str = "0"
    description: str = "docwarden governed inference server"
    # `serve` (an API node, or the one machine) or `worker` (a celery-mode compute node).
    command: str = "serve"

    @property
    def unit_name(self) -> str:
        return "docwarden" if self.command == "serve" else "docwarden-worker"


def find_executable(explicit: Path | None = None) -> Path:
    """Absolute path of the `docwarden` script (the one beside this Python first)."""
    if explicit is not None:
        return explicit.absolute()
    beside = Path(sys.executable).parent / "docwarden"
    if beside.is_file():
        return beside.absolute()
    found = shutil.which("docwarden")
    if found is None:
        raise FileNotFoundError("no docwarden executable found; pass its path explicitly")
    return Path(found).absolute()


def _format(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def settings_environment(settings: Settings) -> dict[str, str]:
    """DOCWARDEN_* variables for the settings that differ from their defaults."""
    env: dict[str, str] = {}
    for name, info in type(settings).model_fields.items():
        value = getattr(settings, name)
        if name in SECRET_FIELDS or value is None:
            continue
        if value != info.get_default(call_default_factory=True):
            env[f"DOCWARDEN_{name.upper()}"] = _format(value)
    return env


def service_environment(settings: Settings, options: DeployOptions) -> dict[str, str]:
    """Everything the unit sets: changed settings, thread caps, CUDA variables."""
    env = settings_environment(settings)
    env.update(thread_environment(settings.intra_op_threads))
    env["PYTHONUNBUFFERED"] = "1"
    if settings.device is Device.CUDA:
        env["CUDA_VISIBLE_DEVICES"] = options.gpu_devices
        env["PYTORCH_CUDA_ALLOC_CONF"] = CUDA_ALLOC_CONF
    return env


def default_cpu_quota_percent(settings: Settings) -> int:
    """One core per concurrent job thread of every pool, plus one for the API."""
    pools = max(len(settings.served_engines), 1)
    threads = settings.workers * settings.threads_per_worker * settings.intra_op_threads
    return 100 * (pools * threads + 1)


def default_tasks_max(settings: Settings) -> int:
    """Generous: native libraries start thread pools of their own."""
    pools = max(len(settings.served_engines), 1)
    return 256 + 64 * pools * settings.workers * settings.threads_per_worker


def stop_timeout_s(settings: Settings) -> int:
    """Longer than the in-flight grace plus the worker kill grace."""
    return math.ceil(settings.shutdown_grace_s + settings.kill_grace_s) + STOP_MARGIN_S


def _check_account(name: str | None) -> None:
    if name is not None and not ACCOUNT_NAME.fullmatch(name):
        raise ValueError(f"not a valid user or group name: {name!r}")


def _check_line(text: str) -> str:
    if any(char in text for char in "\n\r\0"):
        raise ValueError(f"line breaks are not allowed here: {text!r}")
    return text


def _systemd_word(word: str) -> str:
    """One ExecStart argument: specifiers and variables escaped, quoted if needed."""
    escaped = _check_line(word).replace("%", "%%").replace("$", "$$")
    if re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", escaped):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _systemd_env(key: str, value: str) -> str:
    pair = _check_line(f"{key}={value}").replace("%", "%%")
    return 'Environment="' + pair.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _mib(size_bytes: float) -> str:
    return f"{int(size_bytes // (1024 * 1024))}M"


def _memory_high(options: DeployOptions) -> str:
    return _mib(parse_memory_size(options.memory_max) * options.memory_high_fraction)


def _systemd_service(settings: Settings, options: DeployOptions) -> list[str]:
    executable = find_executable(options.exec_path)
    lines = ["[Service]", "Type=simple"]
    if options.user:
        lines.append(f"User={options.user}")
    if options.group or options.user:
        lines.append(f"Group={options.group or options.user}")
    lines.append(f"WorkingDirectory={_systemd_word(str(options.working_dir))}")
    state = PurePosixPath(options.working_dir)
    if state.parent == PurePosixPath("/var/lib"):
        lines.append(f"StateDirectory={state.name}")
    if options.env_file is not None:
        lines.append(f"EnvironmentFile={_systemd_word(str(options.env_file))}")
    env = service_environment(settings, options)
    lines += [_systemd_env(key, env[key]) for key in sorted(env)]
    lines += [
        f"ExecStart={_systemd_word(str(executable))} {options.command}",
        "Restart=on-failure", "RestartSec=5s",
        f"TimeoutStopSec={stop_timeout_s(settings)}s",
        "KillMode=control-group", "KillSignal=SIGTERM", "OOMPolicy=continue",
        f"MemoryMax={_mib(parse_memory_size(options.memory_max))}",
        f"MemoryHigh={_memory_high(options)}",
        f"CPUQuota={options.cpu_quota_percent or default_cpu_quota_percent(settings)}%",
        f"TasksMax={options.tasks_max or default_tasks_max(settings)}",
        f"LimitNOFILE={options.limit_nofile}",
        "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectSystem=full",
    ]
    return lines


def _check_command(command: str) -> None:
    if command not in COMMANDS:
        raise ValueError(f"the unit runs `docwarden serve` or `docwarden worker`, not {command!r}")


def render_systemd(settings: Settings, options: DeployOptions | None = None) -> str:
    """A complete `docwarden.service` (or `docwarden-worker.service`) unit."""
    options = options or DeployOptions()
    _check_command(options.command)
    _check_account(options.user)
    _check_account(options.group)
    header = [
        f"# Generated by `docwarden deploy systemd` (docwarden {__version__}).",
        f"# Install: copy to /etc/systemd/system/{options.unit_name}.service, then",
        f"#   systemctl daemon-reload && systemctl enable --now {options.unit_name}",
    ]
    if settings.api_key and options.env_file is None:
        header.append("# DOCWARDEN_API_KEY is set but not written here: put it in an "
                      "EnvironmentFile (mode 600).")
    unit = ["[Unit]", f"Description={_check_line(options.description)}",
            "After=network-online.target", "Wants=network-online.target"]
    install = ["[Install]", "WantedBy=multi-user.target"]
    sections = [header, unit, _systemd_service(settings, options), install]
    return "\n\n".join("\n".join(section) for section in sections) + "\n"


def _supervisor_value(text: str) -> str:
    """supervisord expands %(name)s in values: a literal % is written %%."""
    return _check_line(text).replace("%", "%%")


def _supervisor_env(key: str, value: str) -> str:
    """KEY="value" as supervisord's shlex-based parser reads it back."""
    quoted = _supervisor_value(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'{key}="{quoted}"'


def _supervisor_command(executable: Path, env_file: Path | None, command_word: str) -> str:
    command = f"{shlex.quote(str(executable))} {command_word}"
    if env_file is None:
        return command
    script = f"set -a; . {shlex.quote(str(env_file))}; set +a; exec {command}"
    return f"/bin/sh -c {shlex.quote(script)}"


def render_supervisor(settings: Settings, options: DeployOptions | None = None) -> str:
    """A supervisord `[program:docwarden]` (or `docwarden-worker`) section."""
    options = options or DeployOptions()
    _check_command(options.command)
    _check_account(options.user)
    env = service_environment(settings, options)
    pairs = ",".join(_supervisor_env(key, env[key]) for key in sorted(env))
    lines = [
        f"; Generated by `docwarden deploy supervisor` (docwarden {__version__}).",
        "; supervisord cannot cap memory or CPU: docwarden's own limits (HARD_WORKER_RSS_MB,",
        "; MIN_FREE_MEMORY_MB) are the only guard; prefer the systemd unit where available.",
        f"[program:{options.unit_name}]",
        "command=" + _supervisor_value(_supervisor_command(find_executable(options.exec_path),
                                                            options.env_file, options.command)),
        f"directory={_supervisor_value(str(options.working_dir))}",
    ]
    if options.user:
        lines.append(f"user={options.user}")
    lines += [
        "autostart=true", "autorestart=unexpected", "exitcodes=0", "startsecs=10",
        "startretries=5", "stopsignal=TERM", f"stopwaitsecs={stop_timeout_s(settings)}",
        "stopasgroup=true", "killasgroup=true", "redirect_stderr=true",
        "stdout_logfile_maxbytes=50MB", "stdout_logfile_backups=5",
        f"environment={pairs}",
    ]
    return "\n".join(lines) + "\n"
