#!/usr/bin/env bash
# Produces the deployable Azure Functions app: a self-contained linux-x64 TaskFlow.Functions (the custom
# handler, no .NET needed on the host), host.json and one folder per function, in publish/functionapp,
# and the same zipped as publish/functionapp.zip for `az functionapp deployment source config-zip`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=publish/functionapp
rm -rf "$out" publish/functionapp.zip
dotnet publish src/Functions -c Release -r linux-x64 --self-contained -nologo -v quiet -o "$out"
for required in TaskFlow.Functions host.json Api/function.json ActivityDoorbell/function.json Maintenance/function.json; do
  [[ -e $out/$required ]] || { echo "publish: $out/$required is missing" >&2; exit 1; }
done
(cd "$out" && python3 -m zipfile -c ../functionapp.zip .)
echo "Function App folder: $out  (zip: publish/functionapp.zip)"
