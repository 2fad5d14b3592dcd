#!/usr/bin/env bash
# free_port: a loopback port for a server the tests start (PostgreSQL, moto). Sourced, never executed.
# A port from bind(0) lies in the kernel's ephemeral range, where any process's outgoing connection may take it
# before the server binds it; a port below that range is never handed to a client socket.

free_port() {
  local low=32768 port _
  read -r low _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  (( low > 20000 )) || low=61000
  for _ in {1..50}; do
    port=$(( 15000 + RANDOM % (low - 15000) ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"; return 0
    fi
  done
  echo "no free port found" >&2; return 1
}

