#!/bin/sh
# Drop root when the hardware allows it: the radio needs /dev/spidev* and /sys/class/gpio.
# On Raspberry Pi OS these belong to the spi and gpio groups, so the `node` user joins those
# groups and runs unprivileged. On balenaOS they are root-only, so the gateway stays root there.
set -eu

# Node flags chosen by measurement for a 512 MB board (BENCHMARKS.md, footprint); the same as npm start.
NODE_FLAGS="--max-semi-space-size=1 --single-threaded-gc --lite-mode --no-expose-wasm"

# run_as_node GIDS ARGS...: the gateway as `node`, with the device groups as supplementary groups.
run_as_node() {
  gids=$1
  shift
  chown -R node:node "${WMBUS_DATA_DIR:-/data}" 2>/dev/null || true
  # shellcheck disable=SC2086 # the flags are words
  exec setpriv --reuid=node --regid=node --groups="$gids" --inh-caps=-all node $NODE_FLAGS /app/bin/wmbus-gateway.js "$@"
}

if [ "$(id -u)" != 0 ]; then
  # shellcheck disable=SC2086
  exec node $NODE_FLAGS /app/bin/wmbus-gateway.js "$@"
fi

groups=""
for dev in /dev/spidev* /sys/class/gpio/export; do
  [ -e "$dev" ] || continue
  gid=$(stat -c %g "$dev")
  if [ "$gid" = 0 ]; then
    echo "entrypoint: $dev is root-only; running the gateway as root so it can reach the radio" >&2
    # shellcheck disable=SC2086
    exec node $NODE_FLAGS /app/bin/wmbus-gateway.js "$@"
  fi
  case ",$groups," in *",$gid,"*) ;; *) groups="${groups:+$groups,}$gid" ;; esac
done
run_as_node "${groups:-$(id -g node)}" "$@"
