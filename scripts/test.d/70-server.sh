#!/usr/bin/env bash
# keysplit-server against a real PostgreSQL: installs Debian's postgresql when missing,
# starts a throw-away cluster as the `postgres` user on a loopback port (socket in the
# cluster folder), runs the server's HTTP tests with KEYSPLIT_TEST_POSTGRES set (SQLite
# and PostgreSQL), and stops and deletes the cluster on exit. Then `keysplit serve`
# with no arguments must answer /healthz, and the HPKE interop with npm's @hpke/core
# runs when node is present.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/skip.sh

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

if ! bin=$(pg_bin); then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "installing postgresql (Debian package)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  bin=$(pg_bin) || true
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/keysplit-server-test.XXXXXX")
pgdata="$work/pg"
started_pg=""
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$started_pg" ]; then
    as_pg "$bin/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ -n "${bin:-}" ] && { [ "$(id -u)" -ne 0 ] || id postgres >/dev/null 2>&1; }; then
  mkdir -p "$pgdata"
  chmod 755 "$work"
  [ "$(id -u)" -eq 0 ] && chown postgres "$pgdata"
  as_pg "$bin/initdb" -D "$pgdata" -A trust -U postgres >/dev/null
  # A free port: ask the kernel for one.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_pg "$bin/pg_ctl" -D "$pgdata" -l "$pgdata/log" \
    -o "-p $port -k $pgdata -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null
  started_pg=1
  export KEYSPLIT_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
else
  skip "keysplit-server PostgreSQL tests: no PostgreSQL server binaries (install Debian's postgresql)"
fi

# The HPKE interop test (tests/hpke_interop.rs) opens and seals with npm's @hpke/core.
node_dir=crates/keysplit-server/tests/node
if command -v node >/dev/null && command -v npm >/dev/null; then
  if [ ! -d "$node_dir/node_modules/@hpke/core" ] || [ "$node_dir/package.json" -nt "$node_dir/node_modules/.package-lock.json" ]; then
    (cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
else
  skip "keysplit-server HPKE interop with @hpke/core: node/npm missing"
fi

cargo test -q -p keysplit-server

# `keysplit serve` with no arguments: SQLite file and master key in the working folder.
cargo build -q -p keysplit-cli
bin_keysplit="${CARGO_TARGET_DIR:-$PWD/target}/debug/keysplit"
mkdir "$work/run"
(cd "$work/run" && exec "$bin_keysplit" serve) 2>"$work/run/log" &
server_pid=$!
ok=""
for _ in $(seq 1 100); do
  if body=$(curl -fsS http://127.0.0.1:8787/healthz 2>/dev/null); then ok=1; break; fi
  sleep 0.1
done
[ -n "$ok" ] || { echo "keysplit serve did not answer /healthz:" >&2; cat "$work/run/log" >&2; exit 1; }
echo "$body" | grep -q '"db":"sqlite"' || { echo "unexpected /healthz: $body" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8787/v1/wallets/00112233445566778899aabbccddeeff)
[ "$code" = 401 ] || { echo "unauthenticated request got $code, not 401" >&2; exit 1; }
[ -f "$work/run/keysplit-server.sqlite3" ] && [ -f "$work/run/keysplit-server.key" ]
echo "keysplit serve (no arguments): /healthz $body; unauthenticated -> 401"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

# The dev issuer: dev-init writes a config, dev-token mints a token the server accepts.
"$bin_keysplit" serve dev-init --dir "$work/dev" --alg es256 --allowed-origin http://127.0.0.1:4710 2>/dev/null
token=$("$bin_keysplit" serve dev-token --dir "$work/dev" --sub alice --ttl 300)
"$bin_keysplit" serve --config "$work/dev/config.toml" --listen 127.0.0.1:0 --db "sqlite://$work/dev/db.sqlite3" 2>"$work/dev/log" &
server_pid=$!
addr=""
for _ in $(seq 1 100); do
  addr=$(grep -so 'addr=127.0.0.1:[0-9]*' "$work/dev/log" | head -1 | cut -d= -f2 || true)
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { echo "keysplit serve --config did not start:" >&2; cat "$work/dev/log" >&2; exit 1; }
missing=http://$addr/v1/wallets/00112233445566778899aabbccddeeff
with=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$missing")
without=$(curl -s -o /dev/null -w '%{http_code}' "$missing")
[ "$with" = 404 ] && [ "$without" = 401 ] || { echo "dev token: $with (want 404), none: $without (want 401)" >&2; exit 1; }
if grep -qF "$token" "$work/dev/log"; then echo "the server logged an access token" >&2; exit 1; fi
echo "keysplit serve dev-init/dev-token: a dev token is accepted (404 for a missing wallet), none gets 401"
# dev-init --allowed-origin: the wallet origin's preflight is answered, another's is not.
preflight() {
  curl -s -o /dev/null -D - -X OPTIONS -H "Origin: $1" -H 'Access-Control-Request-Method: PUT' \
    -H 'Access-Control-Request-Headers: authorization,content-type' "$missing/shares" | tr -d '\r'
}
allowed=$(preflight http://127.0.0.1:4710)
echo "$allowed" | grep -qix 'access-control-allow-origin: http://127.0.0.1:4710' \
  && echo "$allowed" | grep -qix 'access-control-allow-methods: GET, POST, PUT' \
  && echo "$allowed" | grep -qix 'access-control-allow-headers: authorization, content-type' \
  || { echo "preflight from the allowed origin:" >&2; echo "$allowed" >&2; exit 1; }
if preflight http://127.0.0.1:4711 | grep -qi '^access-control-'; then
  echo "a preflight from another origin got CORS headers" >&2; exit 1
fi
echo "keysplit serve dev-init --allowed-origin: CORS preflight for that origin only"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
