#!/bin/sh
# One command from a fresh clone to a working MAGSAG: installs pnpm (pinned) and every dependency,
# builds isolated-vm from source against this Node's headers, seeds the demo data and checks that
# every demo MCP server starts and answers, then runs a program in the sandbox against them. Needs only Node 20.19+ (or 22+) and npm.
set -eu
cd "$(dirname "$0")/.."

PNPM_VERSION=12.21.0

node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (!(major > 20 || (major === 20 && minor >= 19))) {
    console.error(`MAGSAG needs Node 20.19 or newer; this is ${process.version}. Install a newer Node and run again.`);
    process.exit(1);
  }'

# pnpm comes from npm itself, not corepack: corepack verifies registry signatures and fails on
# registries (mirrors, proxies) that strip them.
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION with npm"
  if ! npm install --global "pnpm@$PNPM_VERSION" --no-audit --no-fund; then
    echo "setup: could not install pnpm globally. Run 'npm install --global pnpm@$PNPM_VERSION' with the needed permissions (or from a Node version manager) and run this again." >&2
    exit 1
  fi
fi

# isolated-vm compiles a native addon. Point node-gyp at the headers that ship with this Node so
# the build never tries to download them.
if [ -z "${npm_config_nodedir:-}" ]; then
  for dir in "$(dirname "$(dirname "$(command -v node)")")" /usr /usr/local; do
    if [ -f "$dir/include/node/node.h" ]; then
      npm_config_nodedir="$dir"
      export npm_config_nodedir
      break
    fi
  done
fi

echo "setup: installing dependencies (pnpm install --frozen-lockfile)"
pnpm install --frozen-lockfile

# The sandbox workers and the type-checker start from built JavaScript (tsx only when the build is
# missing or older than the sources), and the CLI's bin runs the build.
echo "setup: building the packages (pnpm build)"
pnpm build

echo "setup: seeding demo data and checking the demo servers"
pnpm --silent magsag demo reset
pnpm --silent magsag servers test --all

echo "setup: running a program in the sandbox against the demo servers (pnpm magsag exec examples/listNotes.ts)"
pnpm --silent magsag exec examples/listNotes.ts
