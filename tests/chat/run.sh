#!/usr/bin/env bash
# The chat suite: the chat servers (`python -m sansocket.chat` and its Node twin,
# `node bindings-wasm/examples/chat_server.mjs`) with real browsers.
#
#   bash tests/chat/run.sh
#
# 1. builds what the chat needs (scripts/chat.sh --build-only) and Debian's chromium;
# 2. pytest: the room logic and the HTTP side (the page on the WebSocket's port);
# 3. pytest: the server end to end with sansocket's STOMP client (joins, history, posts,
#    leaves, heart-beats, a malformed frame, a flooding client, 200 clients in one room),
#    and two servers relaying one room through RabbitMQ (started by
#    tests/services/rabbitmq.sh, and stopped again if this started it); the HTTP and STOMP
#    tests run against both servers, the relay test with Python+Python, Node+Node and
#    both mixes;
# 4. a chat server on 127.0.0.1 (an ephemeral port) and two headless Chromium pages
#    (tests/chat/two_pages.mjs) that chat in one room:
#    - through our server, with the page's default client (sansocket's STOMP client from
#      the npm web build) and with ?client=stompjs;
#    - the same two through RabbitMQ's own web-STOMP (the page served by our server, in
#      its direct mode: posts straight to /topic/<room>);
#    then SIGTERM: the server must exit 0 within 15 s;
# 5. a page reconnects by itself after the server restarts (tests/chat/reconnect.mjs),
#    with either client;
# 6. steps 4 (without RabbitMQ) and 5 again with the Node server.
# Everything it starts, it stops (trap), whatever happens. Env: CHAT_RABBITMQ_WS_URL and
# CHAT_RELAY (both set) use a RabbitMQ already running (web-STOMP URL, STOMP HOST:PORT).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
. tests/retry.sh
log() { echo "chat: $*"; }

bash scripts/chat.sh --build-only
if [ ! -x /usr/bin/chromium ]; then
  log "installing Debian's chromium"
  retry 3 timeout 300 apt-get -o DPkg::Lock::Timeout=600 update -qq
  retry 3 timeout 1200 env DEBIAN_FRONTEND=noninteractive \
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium
fi
py="$repo/bindings-python/.venv/bin/python"
if ! "$py" -c 'import pytest' 2>/dev/null; then
  retry 3 timeout 900 "$py" -m pip install --quiet -r bindings-python/requirements-test.txt
fi

tmp="$(mktemp -d)"
server_pid=""
rabbit_started=0
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ "$rabbit_started" = 1 ] && bash tests/services/rabbitmq.sh stop
  rm -rf "$tmp"
}
trap cleanup EXIT

status=0
# RabbitMQ: STOMP over TCP for the relay test, web-STOMP for the pages' anchor.
if [ -n "${CHAT_RABBITMQ_WS_URL:-}" ] && [ -n "${CHAT_RELAY:-}" ]; then  # already running
  RABBITMQ_WS_URL="$CHAT_RABBITMQ_WS_URL"
else
  if ! bash tests/services/rabbitmq.sh status >/dev/null 2>&1; then
    bash tests/services/rabbitmq.sh start
    rabbit_started=1
  fi
  eval "$(bash tests/services/rabbitmq.sh env)"
  export CHAT_RELAY="$RABBITMQ_STOMP_HOST:$RABBITMQ_STOMP_PORT"
fi

log "pytest: rooms, HTTP, STOMP end to end, the relay"
(cd "$tmp" && "$py" -m pytest "$repo/bindings-python/tests/test_chat_rooms.py" \
  "$repo/bindings-python/tests/test_chat_http.py" "$repo/bindings-python/tests/test_chat_stomp.py" \
  "$repo/bindings-python/tests/test_chat_relay.py" -p no:cacheprovider -q) || status=1

node_server="$repo/bindings-wasm/examples/chat_server.mjs"
# Starts `python -m sansocket.chat 127.0.0.1:0 ARGS...` (`node chat_server.mjs ...` when
# $server_cmd is node); sets $server_pid and $server_url.
server_cmd=python
start_server() {
  if [ "$server_cmd" = node ]; then
    node "$node_server" 127.0.0.1:0 --npm-dir "$repo/bindings-wasm" "$@" >"$tmp/server.log" 2>&1 &
  else
    "$py" -m sansocket.chat 127.0.0.1:0 --npm-dir "$repo/bindings-wasm" "$@" >"$tmp/server.log" 2>&1 &
  fi
  server_pid=$!
  server_url=""
  for _ in $(seq 100); do
    server_url="$(sed -n 's/^chat: \(http:.*\)$/\1/p' "$tmp/server.log" | head -1)"
    [ -n "$server_url" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  log "the chat server did not start:"; cat "$tmp/server.log"; return 1
}

# Stops the server with SIGTERM; it must exit 0 within 10 s.
stop_server() {
  kill -TERM "$server_pid"
  local rc=0
  timeout 15 tail --pid="$server_pid" -f /dev/null || rc=1
  wait "$server_pid" || rc=$?
  server_pid=""
  [ "$rc" = 0 ] || { log "the chat server did not stop cleanly ($rc)"; cat "$tmp/server.log"; }
  return "$rc"
}

pages() {
  log "two Chromium pages: $1 ${2:-} (client ${3:-any})"
  timeout 180 node tests/chat/two_pages.mjs "$1" "${2:-}" "${3:-}" || { status=1; cat "$tmp/server.log"; }
}

start_server || exit 1
pages "$server_url" "" sansocket
pages "$server_url" "client=stompjs" stompjs
rabbit="direct=1&login=guest&passcode=guest&ws=$RABBITMQ_WS_URL"
pages "$server_url" "$rabbit" sansocket
pages "$server_url" "client=stompjs&$rabbit" stompjs
stop_server || status=1
log "a page reconnects after the server restarts"
timeout 180 node tests/chat/reconnect.mjs "$py" || status=1
timeout 180 node tests/chat/reconnect.mjs "$py" client=stompjs || status=1

log "the same with the Node server"
server_cmd=node
start_server || exit 1
pages "$server_url" "" sansocket
pages "$server_url" "client=stompjs" stompjs
stop_server || status=1
timeout 180 node tests/chat/reconnect.mjs "$node_server" || status=1
timeout 180 node tests/chat/reconnect.mjs "$node_server" client=stompjs || status=1

[ "$status" = 0 ] && log "ok" || log "FAILED"
exit "$status"
