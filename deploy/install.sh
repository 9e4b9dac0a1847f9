#!/usr/bin/env bash
# Install wmbus-gateway as a systemd service on Raspberry Pi OS (no balena).
#   sudo deploy/install.sh               install or upgrade (asks before enabling SPI)
#   sudo deploy/install.sh --uninstall   remove the service and program, keep the data
#   sudo deploy/install.sh --uninstall --purge   also remove the data and the service user
# --dry-run prints every action instead of doing it; --yes answers yes to every question.
set -euo pipefail

PREFIX=/opt/wmbus-gateway
UNIT_DIR=/etc/systemd/system
SERVICE=wmbus-gateway
SERVICE_USER=wmbus-gateway
DATA_DIR=/var/lib/wmbus-gateway
MIN_NODE_MAJOR=20
SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

dry_run=0
assume_yes=0
mode=install
purge=0

usage() {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --yes|-y) assume_yes=1 ;;
    --uninstall) mode=uninstall ;;
    --purge) purge=1 ;;
    --prefix) PREFIX=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

say() { echo "install.sh: $*"; }
die() { echo "install.sh: $*" >&2; exit 1; }

# Every change to the system goes through run, so --dry-run shows all of them.
run() {
  if [ "$dry_run" = 1 ]; then
    echo "would run: $*"
  else
    "$@"
  fi
}

ask() {
  if [ "$assume_yes" = 1 ]; then return 0; fi
  if [ ! -t 0 ]; then
    say "$1 [y/N] no (no terminal to ask on; pass --yes to agree)"
    return 1
  fi
  local answer
  read -r -p "$1 [y/N] " answer
  [[ "$answer" =~ ^[Yy] ]]
}

require_root() {
  if [ "$dry_run" = 0 ] && [ "$(id -u)" != 0 ]; then die "run me with sudo: I create a system user and a systemd service"; fi
}

check_node() {
  command -v node >/dev/null 2>&1 || die "Node.js is not installed: install Node.js ${MIN_NODE_MAJOR} or newer (22 recommended), then run me again"
  local version major
  version=$(node -p 'process.versions.node')
  major=${version%%.*}
  if [ "$major" -lt "$MIN_NODE_MAJOR" ]; then
    die "Node.js $version is too old: wmbus-gateway needs ${MIN_NODE_MAJOR} or newer (22 recommended)"
  fi
  command -v npm >/dev/null 2>&1 || die "npm is missing: install the npm that comes with Node.js ${version}"
  say "Node.js $version found"
}

enable_spi() {
  if compgen -G '/dev/spidev*' >/dev/null; then
    say "SPI is enabled ($(compgen -G '/dev/spidev*' | tr '\n' ' '))"
    return
  fi
  if ! command -v raspi-config >/dev/null 2>&1; then
    say "warning: SPI is off and raspi-config is not here: add dtparam=spi=on to /boot/firmware/config.txt and reboot"
    return
  fi
  if ask "SPI is off. Enable it now with raspi-config (a reboot is needed afterwards)?"; then
    run raspi-config nonint do_spi 0
    say "SPI enabled: reboot before the gateway can reach the radio (it runs the demo until then)"
  else
    say "SPI left off: the gateway runs the demo until SPI is enabled"
  fi
}

create_user() {
  if id "$SERVICE_USER" >/dev/null 2>&1; then
    say "user $SERVICE_USER exists"
  else
    run useradd --system --no-create-home --home-dir "$DATA_DIR" --shell /usr/sbin/nologin "$SERVICE_USER"
  fi
  local group
  for group in spi gpio; do
    if getent group "$group" >/dev/null 2>&1; then
      run usermod -a -G "$group" "$SERVICE_USER"
    else
      say "warning: group $group does not exist on this system; the radio may need root here"
    fi
  done
}

install_program() {
  local tarball
  run mkdir -p "$PREFIX"
  # npm 11 runs dependency install scripts only when allowed: the two radio addons must compile.
  if [ "$dry_run" = 1 ]; then
    echo "would write: $PREFIX/package.json (allowing the install scripts of spi-device and epoll)"
  else
    printf '%s\n' '{ "private": true, "allowScripts": { "spi-device": true, "epoll": true } }' > "$PREFIX/package.json"
  fi
  if [ ! -f "$SOURCE_DIR/dist/src/cli/main.js" ]; then
    if [ "$dry_run" = 1 ]; then
      say "note: dist/ is not built here; a real run stops at this point (build it with: npm install)"
    else
      die "run me from a wmbus-gateway checkout or unpacked package with dist/ built (npm install builds it)"
    fi
  fi
  tarball="$PREFIX/wmbus-gateway.tgz"
  run npm pack --silent --pack-destination "$PREFIX" "$SOURCE_DIR"
  run sh -c "mv '$PREFIX'/wmbus-gateway-*.tgz '$tarball'"
  run npm install --omit=dev --no-audit --no-fund --prefix "$PREFIX" "$tarball"
}

install_unit() {
  if [ "$dry_run" = 1 ]; then
    echo "would write: $UNIT_DIR/$SERVICE.service (from deploy/$SERVICE.service, program in $PREFIX)"
  else
    sed "s|@PREFIX@|$PREFIX|g" "$SOURCE_DIR/deploy/$SERVICE.service" > "$UNIT_DIR/$SERVICE.service"
  fi
  run systemctl daemon-reload
  run systemctl enable --now "$SERVICE"
  say "installed: data in $DATA_DIR, logs with 'journalctl -u $SERVICE -f', settings in /etc/default/$SERVICE"
}

uninstall() {
  run systemctl disable --now "$SERVICE"
  run rm -f "$UNIT_DIR/$SERVICE.service"
  run systemctl daemon-reload
  run rm -rf "$PREFIX"
  if [ "$purge" = 1 ]; then
    run rm -rf "$DATA_DIR"
    if id "$SERVICE_USER" >/dev/null 2>&1; then
      run userdel "$SERVICE_USER"
    else
      say "user $SERVICE_USER does not exist"
    fi
    say "removed the program, the service and the data"
  else
    say "removed the program and the service; your data stays in $DATA_DIR (--purge removes it)"
  fi
}

require_root
if [ "$dry_run" = 1 ]; then say "dry run: nothing on this system is changed"; fi
if [ "$mode" = uninstall ]; then
  uninstall
else
  check_node
  enable_spi
  create_user
  install_program
  install_unit
fi
