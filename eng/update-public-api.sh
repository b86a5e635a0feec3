#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to the project's PublicAPI.Unshipped.txt.
# Usage: eng/update-public-api.sh src/Spillway
set -euo pipefail
project_dir=$1
out=$(dotnet build "$project_dir" --no-incremental 2>&1 || true)
symbols=$(printf '%s\n' "$out" | grep -oP "error RS0016: Symbol '\K.*(?=' is not part of the declared public API)" | sort -u || true)
[ -n "$symbols" ] || { echo "nothing to add"; exit 0; }
file="$project_dir/PublicAPI.Unshipped.txt"
{ cat "$file"; printf '%s\n' "$symbols"; } | grep -v '^#nullable' | sort -u > "$file.tmp"
{ echo '#nullable enable'; cat "$file.tmp"; } > "$file"; rm "$file.tmp"
echo "added $(printf '%s\n' "$symbols" | wc -l) symbols to $file"
