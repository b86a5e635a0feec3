#!/usr/bin/env bash
# Stages Spillway.Actors.sln listing only the projects that are tracked (or staged) in git, so a commit never refers to
# a project that is not in it. The working copy of the .sln is left as it was.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
backup=$(mktemp)
cp Spillway.Actors.sln "$backup"
for project in $(grep -oP '"\K[^"]+\.csproj(?=")' Spillway.Actors.sln | tr '\\' '/'); do
  if ! git ls-files --error-unmatch "$project" >/dev/null 2>&1; then
    dotnet sln Spillway.Actors.sln remove "$project" >/dev/null
  fi
done
git add Spillway.Actors.sln
cp "$backup" Spillway.Actors.sln
rm -f "$backup"
