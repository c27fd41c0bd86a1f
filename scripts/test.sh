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
  # Reports opened in Debian's Chromium (scripts/ensure-browser.sh installs it when missing).
  browser)
    bash scripts/ensure-browser.sh
    exec npx mocha "${reporter[@]}" test/browser ;;
  all) ;;
  *) echo "test.sh: unknown suite $suite (unit | integration | lab | contract | browser | all)" >&2; exit 2 ;;
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
# The browser the report tests open (Debian's chromium; apt-get prints its progress on a first install).
echo "== the browser tests' Chromium (scripts/ensure-browser.sh)"
bash scripts/ensure-browser.sh || echo "test.sh: no browser (see above): the browser tests will fail, saying why" >&2

# Three streams side by side, so the suite fits its time on 2 cores: the real-cluster labs mostly wait (grace
# periods, restarts, drains), so two of them run at once, and the unit, integration and contract tests beside
# them. Stream A: the upgrade lab (the longest chain) and the real-cluster lab; stream B, in the foreground: every
# other lab file (a new one lands there by itself); stream C: the fast tiers (unit, integration, contract and
# the browser tests). The other streams' whole output is
# printed when all are done; the closing line adds them up, and the exit code fails if any stream failed.
work=$(mktemp -d -t drydock-test-streams.XXXXXX)
lab_a=(test/lab/upgrade.test.ts test/lab/real-cluster.test.ts)
ignore=()
for f in "${lab_a[@]}"; do ignore+=(--ignore "$f"); done
echo "== unit, integration, contract and browser tests: running beside the labs (their output follows)"
DRYDOCK_TEST_STATS="$work/fast.json" npx mocha "${reporter[@]}" test/unit test/integration test/contract test/browser >"$work/fast.log" 2>&1 &
fast=$!
echo "== lab stream A (${lab_a[*]}): running beside (its output follows)"
DRYDOCK_TEST_STATS="$work/lab-a.json" npx mocha "${reporter[@]}" "${lab_a[@]}" >"$work/lab-a.log" 2>&1 &
lab_a_pid=$!
echo "== lab stream B (the other lab files)"
lab_b_rc=0
DRYDOCK_TEST_STATS="$work/lab-b.json" npx mocha "${reporter[@]}" "${ignore[@]}" test/lab || lab_b_rc=$?
lab_a_rc=0
wait "$lab_a_pid" || lab_a_rc=$?
echo "== lab stream A (${lab_a[*]}; exit $lab_a_rc)"
cat "$work/lab-a.log"
fast_rc=0
wait "$fast" || fast_rc=$?
echo "== unit, integration, contract and browser tests (exit $fast_rc)"
cat "$work/fast.log"
node -e '
  const fs = require("node:fs");
  const read = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return { passes: 0, failures: 1, pending: 0, missing: f }; } };
  const all = process.argv.slice(1).map(read);
  for (const s of all) if (s.missing) console.log(`no test counts in ${s.missing}: that stream did not finish`);
  const sum = (k) => all.reduce((n, s) => n + s[k], 0);
  console.log(`\n${sum("passes")} passed, ${sum("failures")} failed, ${sum("pending")} skipped`);
' "$work/fast.json" "$work/lab-a.json" "$work/lab-b.json"
rm -rf "$work"
if [[ $lab_a_rc -ne 0 || $lab_b_rc -ne 0 || $fast_rc -ne 0 ]]; then
  echo "test.sh: failed (lab stream A exit $lab_a_rc, lab stream B exit $lab_b_rc, unit/integration/contract/browser exit $fast_rc)" >&2
  exit 1
fi
