#!/usr/bin/env bash
# Runs drydock's test suites. `all` is what `npm test` and CI run; `unit` is the fast loop.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:-all}
bash scripts/ensure-deps.sh
# Run journals written by the tests go to a scratch folder, never into the user's ~/.local/state.
export DRYDOCK_STATE_DIR="${DRYDOCK_STATE_DIR:-$(mktemp -d -t drydock-test-state.XXXXXX)}"
case "$suite" in
  unit)
    echo "== layers (npm run lint:deps)"
    npm run --silent lint:deps
    specs=("test/unit") ;;
  integration) specs=("test/integration") ;;
  lab) specs=("test/lab") ;;
  # The simulator held to the real kube-apiserver (built by scripts/build-kube.sh when missing).
  contract) specs=("test/contract") ;;
  all)
    echo "== typecheck"
    npx tsc -p tsconfig.json
    echo "== layers (npm run lint:deps)"
    npm run --silent lint:deps
    specs=("test/unit" "test/integration" "test/contract" "test/lab") ;;
  *) echo "test.sh: unknown suite $suite (unit | integration | lab | contract | all)" >&2; exit 2 ;;
esac
existing=()
for s in "${specs[@]}"; do [[ -d $s ]] && existing+=("$s"); done
exec npx mocha --reporter ./scripts/mocha-reporter.cjs "${existing[@]}"
