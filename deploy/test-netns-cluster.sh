#!/usr/bin/env bash
# Exercises deploy/netns-cluster.sh end to end (root): 2 silos in namespaces, completions on each over the bridge
# (with and without the API key), a bench through the gateway, a 3rd silo joins, silo 1 drains, a second bench, and
# teardown leaves no namespace, veth or bridge behind. Exit status 0 when every check held.
set -euo pipefail
cd "$(dirname "$0")/.."
script=deploy/netns-cluster.sh
subnet=${SUBNET:-10.77.0}
key=${API_KEY:-netns-test}
configuration=${CONFIGURATION:-Release}
cli_dll=Client/Cli/bin/$configuration/net10.0/distinfer.dll
export SUBNET=$subnet API_KEY=$key CONFIGURATION=$configuration
fail() { echo "FAIL: $*"; "$script" down >/dev/null 2>&1 || true; exit 1; }
trap '"$script" down >/dev/null 2>&1 || true' EXIT

"$script" up 2
body='{"model":"demo-moe","prompt":"The license grants you","max_tokens":8,"temperature":0}'
for i in 0 1; do
  out=$(curl -s -w ' %{http_code}' "http://$subnet.$((11 + i)):8080/v1/completions" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$body")
  [ "${out##* }" = 200 ] || fail "silo$i completion: $out"
  echo "silo$i: $(echo "${out% *}" | jq -c '.choices[0].text')"
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://$subnet.$((11 + i)):8080/v1/completions" -H 'Content-Type: application/json' -d "$body")
  [ "$code" = 401 ] || fail "silo$i without a key answered $code"
done
bench() { dotnet "$cli_dll" bench --gateway "$subnet.11:11111" --cluster-id netns --model demo-moe --concurrency 4 --requests 12 --prompt-tokens 16 --max-new-tokens 8 "$@"; }
bench
"$script" add
"$script" status
"$script" drain 1
report=$(bench --json) || fail "bench after the drain: $report"
[ "$(echo "$report" | jq .failed)" = 0 ] || fail "requests failed after the drain: $report"
echo "after the drain: $(echo "$report" | jq -c '{completed, failed, output_tokens_per_second}')"
"$script" status
"$script" down
trap - EXIT
left=$(ip netns list | grep -c '^dinf-silo' || true)
[ "$left" = 0 ] || fail "$left namespaces left"
! ip link show "${BRIDGE:-dinfbr0}" >/dev/null 2>&1 || fail "bridge left"
echo "PASS"
