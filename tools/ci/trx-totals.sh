#!/usr/bin/env bash
# Sums the <Counters> of every TRX file under $1 and prints "N passed, N failed, N skipped".
set -uo pipefail
dir=${1:-TestResults}
passed=0; failed=0; skipped=0
while IFS= read -r -d '' trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  total=$(get total); executed=$(get executed)
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + total - executed))
done < <(find "$dir" -name '*.trx' -print0 2>/dev/null)
echo "$passed passed, $failed failed, $skipped skipped"
