#!/bin/sh
# Drop root when the hardware allows it: the radio needs /dev/spidev* and /sys/class/gpio.
# On Raspberry Pi OS these belong to the spi and gpio groups, so the `node` user joins those
# groups and runs unprivileged. On balenaOS they are root-only, so the gateway stays root there.
set -eu

# Node flags chosen by measurement for a 512 MB board (BENCHMARKS.md, footprint); the same as npm start.
NODE_FLAGS="--max-semi-space-size=1 --single-threaded-gc --lite-mode --no-expose-wasm"

# CAP_SYS_NICE (bit 23) goes along when the container has it (privileged, or cap_add SYS_NICE): the
# radio process asks for SCHED_FIFO through chrt, which `node` may not do without it. An ambient
# capability passes through exec to the radio process and its chrt; a missing one cannot be granted.
REALTIME_CAPS="--inh-caps=-all,+sys_nice --ambient-caps=+sys_nice"
has_sys_nice() {
  bounding=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
  [ -n "$bounding" ] && [ $((0x$bounding >> 23 & 1)) = 1 ]
}

# run_as_node GIDS ARGS...: the gateway as `node`, with the device groups as supplementary groups.
run_as_node() {
  gids=$1
  shift
  chown -R node:node "${WMBUS_DATA_DIR:-/data}" 2>/dev/null || true
  caps=--inh-caps=-all
  if has_sys_nice; then
    caps=$REALTIME_CAPS
  else
    echo "entrypoint: the container lacks CAP_SYS_NICE: the radio runs without real-time scheduling (add cap_add: [SYS_NICE])" >&2
  fi
  # shellcheck disable=SC2086 # the flags are words
  exec setpriv --reuid=node --regid=node --groups="$gids" $caps node $NODE_FLAGS /app/bin/wmbus-gateway.js "$@"
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
