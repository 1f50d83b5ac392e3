#!/bin/sh
# pos-bridge launcher of the offline bundle (installed as bin/pos-bridge): runs the Node.js shipped
# in the bundle (node/bin/node, `npm run bundle -- --with-node`) when there is one, else the host's.
set -eu
self=$(readlink -f "$0")
root=$(dirname "$(dirname "$self")")
if [ -x "$root/node/bin/node" ]; then
  node="$root/node/bin/node"
elif command -v node >/dev/null 2>&1; then
  node=node
else
  echo "pos-bridge: no Node.js found: install Node.js 20.19+ or 24, or use a bundle made with --with-node" >&2
  exit 2
fi
exec "$node" "$root/bin/pos-bridge.js" "$@"
