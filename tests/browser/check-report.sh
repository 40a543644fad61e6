#!/usr/bin/env bash
# Opens an HTML review in headless Chromium (Debian's `chromium`) and checks that it renders:
# no console errors, the four charts and the grants table present in the rendered DOM, and
# the table's script ran (it writes "N of M grants"). Takes a screenshot beside the report and
# prints the render time.
#
#   tests/browser/check-report.sh [REPORT.html]      (default: docs/weekly-review.html)
#
# Installs chromium with apt-get when it is missing. Exit 0 when every check passes.
set -euo pipefail
cd "$(dirname "$0")/../.."

report="${1:-docs/weekly-review.html}"
[[ -f "$report" ]] || { echo "check-report: no such file: $report" >&2; exit 2; }

if ! command -v chromium >/dev/null; then
    echo "check-report: installing chromium with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
url="file://$(realpath "$report")"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --enable-logging=stderr --v=0 --virtual-time-budget=2000)

# Render time: loading and rendering the report until its DOM is dumped, less the same for
# an empty page (Chromium's own start-up), in seconds. A measurement, not a check: the
# figures are in docs/performance.md.
now() { date +%s.%N; }
t0=$(now)
chromium "${flags[@]}" --user-data-dir="$work/profile-blank" --dump-dom "about:blank" \
    >/dev/null 2>&1 || true
t1=$(now)
chromium "${flags[@]}" --user-data-dir="$work/profile-dom" --dump-dom "$url" \
    >"$work/dom.html" 2>"$work/dom.log" || { cat "$work/dom.log" >&2; exit 1; }
t2=$(now)
render=$(awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { d = (c - b) - (b - a); if (d < 0) d = 0; printf "%.2f s (%.2f s with start-up; an empty page %.2f s)", d, c - b, b - a }')
screenshot="${SCREENSHOT:-${TMPDIR:-/tmp}/weekly-review.png}"
chromium "${flags[@]}" --user-data-dir="$work/profile-shot" --window-size=1280,2400 \
    --screenshot="$screenshot" "$url" >/dev/null 2>"$work/shot.log" || { cat "$work/shot.log" >&2; exit 1; }

failures=0
fail() { echo "check-report: FAIL: $*" >&2; failures=$((failures + 1)); }

# Console messages are logged as `CONSOLE(line)] "message"`; errors, CSP violations and
# failed loads also show as "Uncaught", "Refused to" or "Failed to load".
if grep -E 'CONSOLE|Uncaught|Refused to|Failed to load|ERR_' "$work/dom.log" "$work/shot.log" >"$work/errors.log"; then
    fail "console errors:"; cat "$work/errors.log" >&2
fi
for chart in chart-findings chart-windows chart-days chart-tenants; do
    grep -q "id=\"$chart\"" "$work/dom.html" || fail "chart $chart missing"
done
svgs=$(grep -o '<svg' "$work/dom.html" | wc -l)
bars=$(grep -o '<rect' "$work/dom.html" | wc -l)
[[ $svgs -ge 4 ]] || fail "expected 4 charts, found $svgs <svg>"
[[ $bars -ge 4 ]] || fail "the charts have no bars"
grep -q 'id="grants-table"' "$work/dom.html" || fail "grants table missing"
grep -Eq 'id="grant-count"[^>]*>[0-9]+ of [0-9]+ grants' "$work/dom.html" || fail "the table script did not run"
[[ -s "$screenshot" ]] || fail "no screenshot"

if [[ $failures -gt 0 ]]; then exit 1; fi
echo "check-report: ok: $report ($(wc -c <"$report") bytes) renders with $svgs charts, $bars bars, no console errors, in $render; screenshot $screenshot"
