#!/usr/bin/env bash
# Produces the deployable Azure Functions app (src/Functions, the .NET isolated worker) in publish/functionapp:
# the worker, host.json, functions.metadata and the host's extensions (.azurefunctions, with TaskFlow's Durable
# provider); and the same zipped as publish/functionapp.zip for `az functionapp deployment source config-zip`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=publish/functionapp
rm -rf "$out" publish/functionapp.zip
dotnet publish src/Functions -c Release -nologo -v quiet -o "$out"
for required in TaskFlow.Functions.dll host.json functions.metadata extensions.json .azurefunctions/TaskFlow.WebJobs.Extensions.DurableTask.dll; do
  [[ -e $out/$required ]] || { echo "publish: $out/$required is missing" >&2; exit 1; }
done
(cd "$out" && python3 -m zipfile -c ../functionapp.zip .)
echo "Function App folder: $out  (zip: publish/functionapp.zip)"
