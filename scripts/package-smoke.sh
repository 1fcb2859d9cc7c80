#!/usr/bin/env bash
# Packs Sharpnet with a unique prerelease version and uses it from a fresh console app with its
# own NuGet cache, the way a user would. Needs the native library built (build/native).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

tmp=$(mktemp -d /tmp/sharpnet-smoke.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
version="0.1.0-smoke.$(date +%Y%m%d%H%M%S).$$"

scripts/pack.sh --version "$version" --output "$tmp/feed" >/dev/null

mkdir -p "$tmp/app"
cd "$tmp/app"
cat > nuget.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$tmp/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
export NUGET_PACKAGES="$tmp/nuget-cache"
dotnet new console --name SmokeApp --output . --framework net10.0 >/dev/null
cp "$repo/scripts/smoke/Program.cs" Program.cs
dotnet add package Sharpnet --version "$version" >/dev/null
dotnet run -c Release
# The same app without its native files: the error must say what is missing and where it looked.
rm -rf bin/Release/net10.0/runtimes bin/Release/net10.0/libsharpnet.so
dotnet bin/Release/net10.0/SmokeApp.dll missing
