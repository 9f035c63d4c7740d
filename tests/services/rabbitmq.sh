#!/usr/bin/env bash
# A RabbitMQ broker on loopback, the real STOMP peer of the interop tests.
#
#   bash tests/services/rabbitmq.sh start    # install if missing, start, wait until it serves
#   bash tests/services/rabbitmq.sh stop     # stop it (and epmd, if no other node uses it)
#   bash tests/services/rabbitmq.sh status   # exit 0 when running
#   bash tests/services/rabbitmq.sh env      # the addresses, as shell assignments
#
# Debian's rabbitmq-server package (3.10.8 on bookworm) ships the STOMP and Web-STOMP
# plugins; its postinst does not start the service in containers, so this script runs the
# broker itself, as the current user, with every file in a state directory of the project
# (not /etc or /var/lib): the config, the enabled plugins, the database, the logs and the
# Erlang cookie. Everything listens on 127.0.0.1 only:
#   AMQP 5672, STOMP over TCP 61613, Web-STOMP 15674 at /ws (binary WebSocket messages:
#   with its default, text, RabbitMQ 3.10 puts bodies that are not UTF-8 in text messages,
#   which a conforming WebSocket client must fail with 1007; stompjs's CI sets binary too),
#   Erlang distribution 25672, epmd 4369; the user guest/guest, the virtual host "/".
# Idempotent: `start` on a running broker and `stop` on a stopped one do nothing.
#
# Env: RABBITMQ_STATE_DIR (default tests/services/.state/rabbitmq), RABBITMQ_START_TIMEOUT
# (seconds, default 120). Installing needs root (apt-get), as on CI.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
. "$repo/tests/retry.sh"

state="${RABBITMQ_STATE_DIR:-$here/.state/rabbitmq}"
timeout_s="${RABBITMQ_START_TIMEOUT:-120}"
sbin=/usr/lib/rabbitmq/bin
node=rabbit@localhost

log() { echo "rabbitmq: $*"; }

# The environment of the server and of the CLI tools: the same node, cookie and files.
export HOME="$state/home"
export RABBITMQ_NODENAME="$node"
export RABBITMQ_CONF_ENV_FILE="$state/rabbitmq-env.conf"
export RABBITMQ_CONFIG_FILE="$state/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$state/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$state/enabled_plugins"
export RABBITMQ_MNESIA_BASE="$state/mnesia"
export RABBITMQ_LOG_BASE="$state/log"
export RABBITMQ_PID_FILE="$state/rabbitmq.pid"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_DIST_PORT=25672
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export ERL_EPMD_ADDRESS=127.0.0.1

install() {
  [ -x "$sbin/rabbitmq-server" ] && return 0
  log "installing Debian's rabbitmq-server"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends rabbitmq-server; then
    retry 3 timeout 300 apt-get -o DPkg::Lock::Timeout=600 update -qq
    retry 3 timeout 900 apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends rabbitmq-server
  fi
}

configure() {
  mkdir -p "$HOME" "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
  : >"$RABBITMQ_CONF_ENV_FILE"
  cat >"$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.default = 127.0.0.1:5672
stomp.listeners.tcp.1 = 127.0.0.1:61613
web_stomp.tcp.ip = 127.0.0.1
web_stomp.tcp.port = 15674
web_stomp.ws_path = /ws
web_stomp.ws_frame = binary
log.console = false
log.file.level = info
CONF
  echo "[]." >"$RABBITMQ_ADVANCED_CONFIG_FILE"
  "$sbin/rabbitmq-plugins" --offline enable rabbitmq_stomp rabbitmq_web_stomp >/dev/null
}

ctl() { "$sbin/rabbitmqctl" -n "$node" "$@"; }

running() { [ -x "$sbin/rabbitmqctl" ] && [ -d "$HOME" ] && ctl -q status >/dev/null 2>&1; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  install
  if running; then log "already running"; return 0; fi
  # a fresh broker each time: no queues left from a last run, no stale pid file (which
  # would make `rabbitmqctl wait` give up at once)
  rm -rf "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_PID_FILE" "$state/epmd.theirs"
  configure
  log "starting $node (state in $state)"
  setsid "$sbin/rabbitmq-server" >"$RABBITMQ_LOG_BASE/startup.log" 2>&1 </dev/null &
  echo $! >"$state/server.pid"
  if ! timeout "$timeout_s" "$sbin/rabbitmqctl" -n "$node" -q wait --timeout "$timeout_s" "$RABBITMQ_PID_FILE" ||
     ! { listening 61613 && listening 15674; }; then
    log "did not start within ${timeout_s}s; the end of its logs:" >&2
    tail -n 30 "$RABBITMQ_LOG_BASE/startup.log" "$RABBITMQ_LOG_BASE"/*.log >&2 || true
    stop
    return 1
  fi
  log "ready: STOMP 127.0.0.1:61613, Web-STOMP ws://127.0.0.1:15674/ws, AMQP 127.0.0.1:5672"
}

stop() {
  if [ -x "$sbin/rabbitmqctl" ] && [ -d "$HOME" ]; then
    timeout 60 "$sbin/rabbitmqctl" -n "$node" -q stop "$RABBITMQ_PID_FILE" >/dev/null 2>&1 || true
  fi
  if [ -f "$state/server.pid" ]; then
    pid="$(cat "$state/server.pid")"
    # the script we started execs erl, so this is the broker itself if it is still there
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$state/server.pid"
  fi
  # Erlang starts epmd on demand (the broker and each rabbitmqctl); end it unless another
  # Erlang node still uses it.
  if command -v epmd >/dev/null && ! epmd -names 2>/dev/null | grep -q '^name '; then
    epmd -kill >/dev/null 2>&1 || true
  fi
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then log "running"; else log "not running"; exit 1; fi ;;
  env)
    echo "RABBITMQ_STOMP_HOST=127.0.0.1 RABBITMQ_STOMP_PORT=61613"
    echo "RABBITMQ_WS_URL=ws://127.0.0.1:15674/ws RABBITMQ_USER=guest RABBITMQ_PASSWORD=guest" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
