"""The security review as tests: each finding of the review is a property that must hold.

Static checks read src/ with `ast` (no regex over comments or docstrings), so a
docstring that mentions `eval(` does not trip them while a real call does.
"""

from __future__ import annotations

import ast
import asyncio
import hmac
import inspect
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from docwarden.api import auth
from docwarden.errors import NotFound, Unauthorized
from docwarden.jobs import files as job_files
from docwarden.jobs.models import new_job_id, validate_job_id
from docwarden.jobs.store import JobStore
from docwarden.settings import Settings

SRC = Path(__file__).resolve().parents[2] / "src" / "docwarden"
API_DIR = SRC / "api"
BAD_JOB_IDS = [
    "", "../../etc/passwd", "..", "/etc/passwd", "0" * 31, "0" * 33, "A" * 32, "g" * 32,
    "0" * 31 + "\0", "0" * 31 + "/", "０" * 32, "0" * 16 + "%2e%2e" + "0" * 10,
    " " + "0" * 31, "0" * 32 + "\n",
]


def modules(root: Path = SRC) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def call_name(node: ast.Call) -> str:
    """`eval`, `pickle.loads`, `self.conn.recv`: the dotted name of what is called."""
    parts: list[str] = []
    func: ast.expr = node.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def calls(tree: ast.AST) -> Iterator[ast.Call]:
    return (node for node in ast.walk(tree) if isinstance(node, ast.Call))


# ---- API key ----------------------------------------------------------------------------


def fake_request(api_key: str | None, authorization: str | None) -> Any:
    settings = SimpleNamespace(api_key=api_key)
    headers = {} if authorization is None else {"authorization": authorization}
    app = SimpleNamespace(state=SimpleNamespace(ctx=SimpleNamespace(settings=settings)))
    return SimpleNamespace(app=app, headers=headers)


def check(request: Any) -> None:
    asyncio.run(auth.require_api_key(request))


def test_api_key_is_compared_with_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)  # the module auth.py calls
    check(fake_request("k3y", "Bearer k3y"))
    with pytest.raises(Unauthorized) as refused:
        check(fake_request("k3y", "Bearer k3z"))
    assert seen == [(b"k3y", b"k3y"), (b"k3z", b"k3y")]
    assert "k3y" not in refused.value.message


def test_auth_module_has_no_plain_comparison_of_the_key() -> None:
    tree = ast.parse(inspect.getsource(auth))
    compares = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Compare)]
    assert not [c for c in compares if "expected" in c or "token" in c], compares
    assert any(call_name(c) == "hmac.compare_digest" for c in calls(tree))


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic k3y", "bearer wrong", "k3y"])
def test_missing_or_wrong_key_is_refused(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        check(fake_request("k3y", header))


def test_no_key_configured_lets_requests_through() -> None:
    check(fake_request(None, None))
    check(fake_request("", "Bearer anything"))


# ---- job ids ----------------------------------------------------------------------------


def test_job_ids_are_128_random_bits_in_hex() -> None:
    ids = {new_job_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(i) == 32 and set(i) <= set("0123456789abcdef") for i in ids)
    assert "secrets.token_hex" in inspect.getsource(new_job_id)


@pytest.mark.parametrize("bad", BAD_JOB_IDS)
def test_malformed_job_ids_are_not_found(bad: str) -> None:
    with pytest.raises(NotFound):
        validate_job_id(bad)


def test_bad_ids_never_reach_sqlite_or_the_disk(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    store = JobStore(tmp_path / "data", retention_s=60)
    touched: list[str] = []

    def forbidden(name: str) -> Any:
        def record(*args: object, **kwargs: object) -> None:
            touched.append(name)
            raise AssertionError(f"{name} called with a malformed id")
        return record

    for name in ("_one", "_all", "_write"):
        monkeypatch.setattr(store, name, forbidden(name))
    for name in ("read_bytes", "write_bytes", "unlink", "mkdir", "open", "exists"):
        monkeypatch.setattr(Path, name, forbidden(f"Path.{name}"))
    try:
        for bad in BAD_JOB_IDS:
            for action in (store.get, store.result, store.cancel):
                with pytest.raises(NotFound):
                    action(bad)
            with pytest.raises(NotFound):
                store.files.input_dir(bad)
    finally:
        monkeypatch.undo()
        store.close()
    assert touched == []


# ---- paths, deserialisation, shell ------------------------------------------------------

PATH_CALLS = {"open", "os.path.join", "os.open", "shutil.rmtree", "os.remove", "os.unlink",
              "os.makedirs"}
PATH_METHODS = {"joinpath", "write_bytes", "read_bytes", "write_text", "read_text", "unlink",
                "mkdir", "rmdir", "rename", "with_name", "open"}


def allow_listed_names(function: ast.AST) -> set[str]:
    """Names checked by membership (`name in ALLOWED`, `name not in allowed()`) in a function."""
    return {node.left.id for node in ast.walk(function)
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name)
            and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)}


def is_package_root(node: ast.expr) -> bool:
    """`Path(__file__)...` or a module constant in capitals (`STATIC_DIR`)."""
    if isinstance(node, ast.Name):
        return node.id.isupper() or node.id == "__file__"
    return "__file__" in ast.unparse(node)


def looks_like_path(node: ast.expr) -> bool:
    """The left side of a `/` that joins paths (not `uptime_s / 3600`)."""
    text = ast.unparse(node).lower()
    return text.startswith("path(") or text.endswith(("dir", "path", "root", "folder"))


def path_problems(function: ast.AST, where: str) -> list[str]:
    found = []
    allowed = allow_listed_names(function)
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            name = call_name(node)
            if name in PATH_CALLS or name.rsplit(".", 1)[-1] in PATH_METHODS or (
                    name == "Path" and not is_package_root(node)):
                found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            parts = {n.id for n in ast.walk(node.right) if isinstance(n, ast.Name)}
            if not looks_like_path(node.left):
                continue
            rooted = isinstance(node.left, ast.Name) and is_package_root(node.left)
            if not (rooted and parts <= allowed):
                found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_request_handling_code_builds_no_path_from_request_data() -> None:
    """Routes hand bytes to workers and ids to the job store.  The one kind of path allowed
    under api/ is a package folder joined with a name that was checked against an allow-list
    in the same function (dashboard assets)."""
    found = []
    for path, tree in modules(API_DIR):
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                found += path_problems(function, path.name)
    assert found == []


def test_the_path_check_catches_a_path_from_a_route_parameter() -> None:
    bad = ast.parse("def route(name):\n    return open(BASE_DIR / name)\n"
                    "def other(name):\n    return Path(name).read_bytes()\n")
    good = ast.parse("def route(name):\n    if name not in ALLOWED:\n        raise X\n"
                     "    return STATIC_DIR / name\n")
    assert len(path_problems(bad, "bad")) == 4
    assert path_problems(good, "good") == []


def test_job_files_build_paths_from_validated_ids_only() -> None:
    tree = ast.parse(inspect.getsource(job_files))
    builders = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                and f.name in ("input_dir", "result_path")]
    assert len(builders) == 2
    for function in builders:
        assert any(call_name(c) == "validate_job_id" for c in calls(function)), function.name
    for other in ast.walk(tree):
        if isinstance(other, ast.FunctionDef) and "job_id" in [a.arg for a in other.args.args]:
            joins = [n for n in ast.walk(other) if isinstance(n, ast.BinOp)
                     and isinstance(n.op, ast.Div) and "job_id" in ast.unparse(n.right)]
            assert joins == [] or other.name in ("input_dir", "result_path"), other.name


DANGEROUS = {"eval", "exec", "compile", "__import__", "pickle.loads", "pickle.load",
             "marshal.loads", "marshal.load", "yaml.load", "yaml.unsafe_load", "shelve.open",
             "dill.loads", "cloudpickle.loads"}
PIPE_RECEIVERS = {"supervisor/pool_messages.py", "worker/main.py"}  # the pool reads its pipes there


def test_no_eval_exec_or_unpickling_of_client_data() -> None:
    found = []
    for path, tree in modules():
        for node in calls(tree):
            if call_name(node) in DANGEROUS:
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {call_name(node)}")
        for imported in ast.walk(tree):
            if isinstance(imported, ast.Import | ast.ImportFrom):
                names = [a.name for a in imported.names] + [getattr(imported, "module", "") or ""]
                if {"pickle", "marshal", "shelve", "dill", "cloudpickle"} & set(names):
                    found.append(f"{path.relative_to(SRC)}:{imported.lineno}: imports {names}")
    assert found == []


def test_only_the_worker_pipe_unpickles_and_only_between_our_processes() -> None:
    """multiprocessing's Connection.recv unpickles: it must only read our own workers' pipe."""
    receivers = set()
    for path, tree in modules():
        for node in calls(tree):
            if call_name(node).endswith("conn.recv"):
                receivers.add(path.relative_to(SRC).as_posix())
    assert receivers == PIPE_RECEIVERS


def test_no_shell_commands() -> None:
    found = []
    for path, tree in modules():
        for node in calls(tree):
            shell = [k for k in node.keywords if k.arg == "shell"
                     and not (isinstance(k.value, ast.Constant) and k.value.value is False)]
            if shell or call_name(node) in ("os.system", "os.popen"):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert found == []


# ---- bind address -----------------------------------------------------------------------


def test_default_bind_is_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DOCWARDEN_"):
            monkeypatch.delenv(name)
    assert Settings().host == "127.0.0.1"
    assert Settings.model_fields["host"].default == "127.0.0.1"
    cli_source = (SRC / "cli.py").read_text(encoding="utf-8")
    assert "0.0.0.0" not in cli_source


def test_serve_help_says_the_default_bind_is_loopback() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCWARDEN_")}
    env.update({"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    shown = subprocess.run([sys.executable, "-m", "docwarden.cli", "serve", "--help"],
                           capture_output=True, text=True, env=env, timeout=60, check=True)
    host_line = next(line for line in shown.stdout.splitlines() if "--host" in line)
    assert "loopback" in host_line or "127.0.0.1" in host_line, host_line
