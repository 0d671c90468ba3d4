#!/usr/bin/env bash
# Installs what the tests need (redis-server, chromium, OpenBLAS, python3), builds, and runs every test project.
# Prints one closing line "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

command -v dotnet >/dev/null 2>&1 || { echo "test-all.sh: the .NET 10 SDK (dotnet) is not on PATH; see README" >&2; exit 2; }
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# The closing summary line is computed by python3, which minimal Debian images lack.
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libopenblas.so.0' || need+=(libopenblas0-pthread)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

dotnet build DistInfer.Orleans.sln -c Release -nologo -v q
results=$(mktemp -d)
status=0
for proj in Tests/*/*.Tests.csproj; do
  name=$(basename "$proj" .csproj)
  echo "=== $name"
  # GPU tests need a CUDA device; they run on a GPU host with --filter "Category=Gpu" (see README).
  dotnet test "$proj" -c Release --no-build -nologo --filter "Category!=Gpu" \
    --logger "trx;LogFileName=$results/$name.trx" --logger "console;verbosity=minimal" || status=1
done

python3 - "$results" <<'PY'
import glob, re, sys
p = f = s = 0
for t in glob.glob(sys.argv[1] + "/*.trx"):
    c = re.search(r'<Counters [^>]*', open(t, encoding="utf-8").read())
    if not c: continue
    g = lambda k: int(re.search(k + r'="(\d+)"', c.group(0)).group(1))
    p += g("passed"); f += g("failed"); s += g("total") - g("executed")
print(f"tests: {p} passed, {f} failed, {s} skipped")
PY
exit $status
