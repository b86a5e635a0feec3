#!/usr/bin/env bash
# Packs every project under src/ (after a Release build: .ci/run calls it after the test command) and checks each
# package: its own README.md (titled with the package id), the repository and project URLs, a symbol package, and no
# path of this machine in any .pdb. Package validation runs during the pack itself. Prints "packages: ok" or the problems.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
problems=0
fail() { echo "packages: $*"; problems=$(( problems + 1 )); }

for project in src/*/*.csproj; do
  dotnet pack "$project" -c Release --no-build -o "$out" >"$out/pack.log" 2>&1 || { cat "$out/pack.log"; fail "pack failed: $project"; }
done
for project in src/*/*.csproj; do
  id=$(basename "$project" .csproj)
  nupkg=$(ls "$out/$id".[0-9]*.nupkg 2>/dev/null | head -1)
  [ -n "$nupkg" ] || { fail "$id: no .nupkg"; continue; }
  [ "$(unzip -p "$nupkg" README.md | head -1)" = "# $id" ] || fail "$id: README.md missing or not its own"
  nuspec=$(unzip -p "$nupkg" "$id.nuspec")
  grep -q '<readme>README.md</readme>' <<<"$nuspec" || fail "$id: nuspec names no readme"
  grep -q '<projectUrl>https://' <<<"$nuspec" || fail "$id: no projectUrl"
  grep -q '<repository type="git" url="https://' <<<"$nuspec" || fail "$id: no repository url"
  snupkg="${nupkg%.nupkg}.snupkg"
  [ -f "$snupkg" ] || { fail "$id: no symbol package"; continue; }
  mkdir -p "$out/$id.symbols" && unzip -q -o "$snupkg" -d "$out/$id.symbols"
  for pdb in $(find "$out/$id.symbols" -name '*.pdb'); do
    if strings "$pdb" | grep -qF "$root"; then fail "$id: $(basename "$pdb") names $root"; fi
  done
done
[ "$problems" -eq 0 ] && echo "packages: ok ($(ls "$out"/*.nupkg | wc -l) packages)"
[ "$problems" -eq 0 ]
