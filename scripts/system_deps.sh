#!/usr/bin/env bash
# The system packages (not pip's) the suite drives, checked before anything else runs. Run as root with
# apt-get (a fresh container, CI), it installs what is missing; otherwise it names each missing package and
# the command that installs it, and fails.
#   scripts/system_deps.sh [TOOL...]    no TOOL: what `make test` needs (redis-server chromium node npm)
# Used by `make test`, `make bench` (wrk redis-server taskset pgrep; the benchmark, if you keep it) and .ci/run.
set -euo pipefail

NODE_MAJOR=20
tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(redis-server chromium node npm)

# The Debian/Ubuntu package that provides a tool.
package() {
  case $1 in
    node) echo nodejs ;;
    taskset) echo util-linux ;;
    pgrep) echo procps ;;
    *) echo "$1" ;;
  esac
}

# What needs the tool, for the message.
needed_by() {
  case $1 in
    redis-server) echo "the integration tests and the benchmark start their own Redis servers" ;;
    chromium) echo "the Swagger UI test drives it (chromium-browser will do)" ;;
    node | npm) echo "the sign-in tests run a real OpenID provider, and the TypeScript client is built, on Node.js $NODE_MAJOR+" ;;
    wrk) echo "the benchmark's load generator" ;;
    taskset) echo "the benchmark pins the server and wrk to a core each (taskset)" ;;
    pgrep) echo "the benchmark finds the server's workers (pgrep)" ;;
    *) echo "$1" ;;
  esac
}

node_major() {
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

present() {
  case $1 in
    chromium) command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ;;
    node) command -v node >/dev/null 2>&1 && [ "$(node_major)" -ge "$NODE_MAJOR" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing() {
  absent=()
  for tool in "${tools[@]}"; do
    present "$tool" || absent+=("$tool")
  done
}

packages() {
  local tool
  for tool in "${absent[@]}"; do package "$tool"; done | sort -u | paste -sd ' ' -
}

missing
if [ ${#absent[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: $(packages)" >&2
  apt-get update -qq
  # shellcheck disable=SC2046  # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(packages) >/dev/null || true
  missing
fi
if [ ${#absent[@]} -gt 0 ]; then
  echo "Missing system packages; install them, then run this again:" >&2
  for tool in "${absent[@]}"; do
    found=""
    if [ "$tool" = node ] && command -v node >/dev/null 2>&1; then
      found=" (found $(node --version), too old)"
    fi
    printf '  %-13s %s%s\n' "$(package "$tool")" "$(needed_by "$tool")" "$found" >&2
  done
  echo "  sudo apt-get install $(packages)" >&2
  if [[ " ${absent[*]} " == *" node "* ]]; then
    echo "  (where the distribution's nodejs is older than $NODE_MAJOR: https://github.com/nodesource/distributions)" >&2
  fi
  exit 1
fi
