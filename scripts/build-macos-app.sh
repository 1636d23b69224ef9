#!/usr/bin/env bash
# Builds the menubar app (macos/ClawdbotMenuBar) and assembles macos/build/Clawdbot.app. The app
# starts `node <checkout>/cli/bin/run.js companion --stdio`; both paths are written into the bundle
# now, so build again after moving the checkout or changing Node.js.
set -euo pipefail
if [ "$(uname -s)" != "Darwin" ]; then
  echo "make macos-app needs macOS (Swift toolchain and AppKit); this is $(uname -s). Build it on a Mac: make macos-app" >&2
  exit 1
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
node_bin="$(command -v node || true)"
if [ -z "$node_bin" ]; then
  echo "Node.js >= 20 is required (https://nodejs.org)" >&2
  exit 1
fi
version="$(node -p "require('$root/cli/package.json').version")"
cd "$root/macos"
swift build -c release --product ClawdbotMenuBar
app="$root/macos/build/Clawdbot.app"
rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cp "$(swift build -c release --show-bin-path)/ClawdbotMenuBar" "$app/Contents/MacOS/Clawdbot"
sed "s/@VERSION@/$version/g" "$root/macos/Info.plist" > "$app/Contents/Info.plist"
node -e 'process.stdout.write(JSON.stringify({ node: process.argv[1], runJs: process.argv[2] }, null, 2) + "\n")' \
  "$node_bin" "$root/cli/bin/run.js" > "$app/Contents/Resources/companion.json"
# Ad-hoc signature: enough for SMAppService and notifications on this Mac.
codesign --force --sign - "$app"
echo "built $app"
echo "run it: open \"$app\"  (or copy it to /Applications first)"
