#!/usr/bin/env bash
# Starts the several-node topology (scripts/cluster: PostgreSQL, two edu-sso nodes, nginx) in a throwaway folder,
# registers a test app and student with the CLI against the cluster's database, and runs Tests/cluster, which
# drives the nodes separately and through nginx.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
work=$(mktemp -d)
chmod 755 "$work"  # PostgreSQL runs as the postgres user and must reach its folder inside
export CLUSTER_DIR="$work/cluster" CLUSTER_PORT=$((21000 + RANDOM % 15000)) CLUSTER_KEY_REFRESH_SECONDS=1
# The test signs in with a known captcha, and a refresh-token reuse is told apart from a retry at once.
export EDU_SSO_CAPTCHA_TEST_CODE=123 EDU_SSO_REFRESH_GRACE_SECONDS=0
cleanup() {
  scripts/cluster stop || true
  rm -rf "$work"
}
trap cleanup EXIT
scripts/cluster start >"$work/cluster.out"

venv="$root/Tests/interop/.venv"
if [ ! -x "$venv/bin/pytest" ] || ! "$venv/bin/python" -c "import authlib, jwcrypto" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check authlib jwcrypto requests pytest
fi
(
  # shellcheck disable=SC1091
  source "$CLUSTER_DIR/env.sh"
  bin="$root/.build/debug/edu-sso"
  "$bin" client add --id cluster-rp --name "Cluster RP" --secret cluster-secret-0123456789 \
    --redirect-uri http://127.0.0.1:9/cb --scopes "openid profile offline_access" >/dev/null
  "$bin" account add --username cluster.student --password "Passw0rd1234" --name "叢集測試" >/dev/null
)
status=0
CLUSTER_BIN="$root/.build/debug/edu-sso" "$venv/bin/pytest" -q -p no:cacheprovider Tests/cluster || status=$?
if [ $status -ne 0 ]; then
  for log in "$CLUSTER_DIR"/logs/node-*.log; do echo "--- $log"; tail -20 "$log"; done
fi
exit $status
