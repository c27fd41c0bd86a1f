#!/usr/bin/env bash
# Runs drydock's test suites. `all` is what `npm test` and CI run; `unit` is the fast loop.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:-all}
bash scripts/ensure-deps.sh
# Run journals written by the tests go to a scratch folder, never into the user's ~/.local/state.
export DRYDOCK_STATE_DIR="${DRYDOCK_STATE_DIR:-$(mktemp -d -t drydock-test-state.XXXXXX)}"
reporter=(--reporter ./scripts/mocha-reporter.cjs)
case "$suite" in
  unit)
    echo "== layers (npm run lint:deps)"
    npm run --silent lint:deps
    exec npx mocha "${reporter[@]}" test/unit ;;
  integration) exec npx mocha "${reporter[@]}" test/integration ;;
  lab) exec npx mocha "${reporter[@]}" test/lab ;;
  # The simulator held to the real kube-apiserver (built by scripts/build-kube.sh when missing).
  contract) exec npx mocha "${reporter[@]}" test/contract ;;
  all) ;;
  *) echo "test.sh: unknown suite $suite (unit | integration | lab | contract | all)" >&2; exit 2 ;;
esac

echo "== typecheck"
npx tsc -p tsconfig.json
echo "== layers (npm run lint:deps)"
npm run --silent lint:deps
# The real programs the contract test and the lab run, built once into the cache outside the repository
# (scripts/build-kube.sh prints its progress; a warm cache takes no time). Built here, before the two streams,
# so they never both wait on the build's lock.
echo "== the lab's Kubernetes programs (scripts/build-kube.sh)"
node --import tsx scripts/ensure-kube.ts

# Two streams side by side: the lab (real clusters in network namespaces, mostly waiting on grace periods and
# restarts) in the foreground, the unit, integration and contract tests beside it. The second stream's whole
# output is printed when both are done; the closing line adds both up and the exit code fails if either failed.
work=$(mktemp -d -t drydock-test-streams.XXXXXX)
echo "== unit, integration and contract tests: running beside the lab (their output follows the lab's)"
DRYDOCK_TEST_STATS="$work/fast.json" npx mocha "${reporter[@]}" test/unit test/integration test/contract >"$work/fast.log" 2>&1 &
fast=$!
echo "== lab tests (real Kubernetes in the lab)"
lab_rc=0
DRYDOCK_TEST_STATS="$work/lab.json" npx mocha "${reporter[@]}" test/lab || lab_rc=$?
fast_rc=0
wait "$fast" || fast_rc=$?
echo "== unit, integration and contract tests (ran beside the lab; exit $fast_rc)"
cat "$work/fast.log"
node -e '
  const fs = require("node:fs");
  const read = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return { passes: 0, failures: 1, pending: 0, missing: f }; } };
  const all = [read(process.argv[1]), read(process.argv[2])];
  for (const s of all) if (s.missing) console.log(`no test counts in ${s.missing}: that stream did not finish`);
  const sum = (k) => all.reduce((n, s) => n + s[k], 0);
  console.log(`\n${sum("passes")} passed, ${sum("failures")} failed, ${sum("pending")} skipped`);
' "$work/fast.json" "$work/lab.json"
rm -rf "$work"
if [[ $lab_rc -ne 0 || $fast_rc -ne 0 ]]; then
  echo "test.sh: failed (lab exit $lab_rc, unit/integration/contract exit $fast_rc)" >&2
  exit 1
fi
