#!/usr/bin/env bash
# The documented reverse proxy, run for real (issue 15 §2): Debian's nginx on
# 127.0.0.1 with a self-signed certificate, running packaging/nginx/
# aasr-bot.conf (ports and paths substituted) and its proxy snippet, in front
# of `aasr-bot serve` with the matching review settings. Checks, over https:
# /aasr redirects to /aasr/, the page and the API under the base path, HSTS,
# the login cookie's Secure/HttpOnly/Path, the long poll through the proxy,
# and that the login limit keys on the real client address (nginx's
# X-Forwarded-For) while an X-Forwarded-For the client forges is not believed.
# Clients come from 127.0.0.2 and 127.0.0.3 (loopback takes any 127/8
# source); the server trusts only 127.0.0.1, where nginx connects from.
# Usage: nginx_proxy_test.sh AASR_BOT SOURCE_DIR. Exit 77 (skipped) without nginx.
set -euo pipefail
BOT=$1
SRC=$2
NGINX=$(command -v nginx || true)
[ -n "$NGINX" ] || { [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx; }
if [ -z "$NGINX" ]; then
  echo "SKIP: nginx is not installed (apt-get install nginx-light; scripts/install-deps.sh does)"
  exit 77
fi
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed"; exit 77; }

DIR=$(mktemp -d /tmp/aasr-nginx.XXXXXX)
SERVER_PID=""
NGINX_PID=""
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- server log"; tail -n 30 "$DIR/server.log" 2>/dev/null || true
  echo "--- nginx log"; tail -n 30 "$DIR/nginx.log" 2>/dev/null || true
  exit 1
}

HOST=review.example.org
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$HOST" \
  -addext "subjectAltName=DNS:$HOST" -keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>/dev/null

# The database with one admin (password on stdin).
printf 'correct horse battery\n' | "$BOT" users add dana --role admin --db "$DIR/aasr.db" >/dev/null

free_port() {  # a port nobody listens on, from a range per process
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}
APP=$(free_port)
TLS=$(free_port)
PLAIN=$(free_port)
PUBLIC="https://$HOST:$TLS/aasr"

"$BOT" serve --db "$DIR/aasr.db" --rules "$SRC/tests/review/fixtures/rules" \
  --listen "http://127.0.0.1:$APP" --public-url "$PUBLIC" --trusted-proxy 127.0.0.1 \
  >"$DIR/server.log" 2>&1 &
SERVER_PID=$!

# The shipped site file, made to run unprivileged in $DIR.
sed -e "s|listen 443 ssl;|listen 127.0.0.1:$TLS ssl;|" -e "/listen \[::\]/d" \
    -e "s|listen 80;|listen 127.0.0.1:$PLAIN;|" \
    -e "s|/etc/letsencrypt/live/$HOST/fullchain.pem|$DIR/cert.pem|" \
    -e "s|/etc/letsencrypt/live/$HOST/privkey.pem|$DIR/key.pem|" \
    -e "s|http://127.0.0.1:8080|http://127.0.0.1:$APP|" \
    -e "s|include snippets/aasr-bot-proxy.conf;|include $SRC/packaging/nginx/aasr-bot-proxy.conf;|" \
    "$SRC/packaging/nginx/aasr-bot.conf" >"$DIR/site.conf"
grep -q "127.0.0.1:$APP" "$DIR/site.conf" || fail "the shipped site file no longer has proxy_pass http://127.0.0.1:8080"
mkdir -p "$DIR/tmp"
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root;"
cat >"$DIR/nginx.conf" <<CONF
$USER_LINE
daemon off;
master_process on;
worker_processes 1;
pid $DIR/nginx.pid;
error_log stderr info;
events { worker_connections 64; }
http {
  access_log $DIR/access.log;
  client_body_temp_path $DIR/tmp/body;
  proxy_temp_path $DIR/tmp/proxy;
  fastcgi_temp_path $DIR/tmp/fastcgi;
  uwsgi_temp_path $DIR/tmp/uwsgi;
  scgi_temp_path $DIR/tmp/scgi;
  include $DIR/site.conf;
}
CONF
"$NGINX" -e stderr -p "$DIR" -c "$DIR/nginx.conf" -t >"$DIR/nginx.log" 2>&1 || fail "nginx -t refused the shipped config"
"$NGINX" -e stderr -p "$DIR" -c "$DIR/nginx.conf" >>"$DIR/nginx.log" 2>&1 &
NGINX_PID=$!

# curl as a browser at $1 (127.0.0.2 or .3) talking to https://$HOST:$TLS.
C() {
  local from=$1; shift
  curl -sS --max-time 30 --interface "$from" --resolve "$HOST:$TLS:127.0.0.1" --cacert "$DIR/cert.pem" "$@"
}
for _ in $(seq 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$APP/" 2>/dev/null && C 127.0.0.2 -fs -o /dev/null "$PUBLIC/" && break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "the review server did not start"
  kill -0 "$NGINX_PID" 2>/dev/null || fail "nginx did not start"
  sleep 0.1
done

code() { C "$@" -o /dev/null -w '%{http_code}'; }
# /aasr -> /aasr/ (nginx), then the page, over https, with HSTS.
[ "$(code 127.0.0.2 "https://$HOST:$TLS/aasr")" = 301 ] || fail "/aasr is not redirected to /aasr/"
C 127.0.0.2 -D "$DIR/page.h" -o "$DIR/page.html" "$PUBLIC/"
grep -q '^HTTP/[0-9.]* 200' "$DIR/page.h" || fail "the page under /aasr/ did not answer 200"
grep -qi '^strict-transport-security: max-age=' "$DIR/page.h" || fail "no HSTS header"
grep -q 'src="js/main.js"' "$DIR/page.html" || fail "the page is not the review page"
[ "$(code 127.0.0.2 "$PUBLIC/js/api.js")" = 200 ] || fail "the page's script is not served under /aasr/"
[ "$(code 127.0.0.2 "http://127.0.0.1:$PLAIN/aasr/" --interface 127.0.0.2)" = 301 ] || fail "plain http is not sent to https"

login() {  # from, password, [extra curl args]; prints the status, keeps headers in $DIR/login.h
  local from=$1 pw=$2; shift 2
  C "$from" -o "$DIR/login.json" -D "$DIR/login.h" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' -H "Origin: https://$HOST:$TLS" \
    -d "{\"user\":\"dana\",\"password\":\"$pw\"}" "$@" "$PUBLIC/api/login"
}
[ "$(login 127.0.0.2 'correct horse battery')" = 200 ] || fail "login through the proxy failed: $(cat "$DIR/login.json")"
COOKIE_LINE=$(grep -i '^set-cookie:' "$DIR/login.h" | tr -d '\r')
echo "$COOKIE_LINE" | grep -q '; Secure' || fail "the session cookie is not Secure: $COOKIE_LINE"
echo "$COOKIE_LINE" | grep -q 'HttpOnly' || fail "the session cookie is not HttpOnly"
echo "$COOKIE_LINE" | grep -q 'Path=/aasr/;' || fail "the session cookie is not scoped to /aasr/: $COOKIE_LINE"
COOKIE=$(echo "$COOKIE_LINE" | sed 's/^[Ss]et-[Cc]ookie: \([^;]*\);.*/\1/')
CSRF=$(sed 's/.*"csrf":"\([^"]*\)".*/\1/' "$DIR/login.json")
C 127.0.0.2 -f -H "Cookie: $COOKIE" "$PUBLIC/api/session" | grep -q '"user":"dana"' || fail "the API under /aasr/ did not know the session"
C 127.0.0.2 -f -H "Cookie: $COOKIE" "$PUBLIC/api/events" | grep -q '"version"' || fail "the live feed does not pass the proxy"
C 127.0.0.2 -f -H "Cookie: $COOKIE" "$PUBLIC/api/queue" | grep -q '"items"' || fail "the queue does not pass the proxy"
# A state change from another origin is refused through the proxy too.
[ "$(code 127.0.0.2 -X POST -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" -H 'Origin: https://evil.example' \
      "$PUBLIC/api/logout")" = 403 ] || fail "a foreign Origin was not refused"
[ "$(code 127.0.0.2 -X POST -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" -H "Origin: https://$HOST:$TLS" \
      "$PUBLIC/api/logout")" = 200 ] || fail "logout through the proxy failed"

# The login limit keys on the real client: 5 wrong passwords from 127.0.0.2,
# each with a different forged X-Forwarded-For...
for i in 1 2 3 4 5; do
  s=$(login 127.0.0.2 "guess $i" -H "X-Forwarded-For: 198.51.100.$i")
  [ "$s" = 401 ] || fail "wrong password $i answered $s"
done
# ...and 127.0.0.2 waits, whatever it forges next,
s=$(login 127.0.0.2 'correct horse battery' -H 'X-Forwarded-For: 192.0.2.200')
[ "$s" = 429 ] || fail "a forged X-Forwarded-For got a fresh login allowance (answered $s)"
grep -qi '^retry-after: ' "$DIR/login.h" || fail "no Retry-After on the 429"
# ...while the same user from another client is not held up.
s=$(login 127.0.0.3 'correct horse battery')
[ "$s" = 200 ] || fail "another client was locked out by someone else's failures (answered $s)"
grep -q "login failed for 'dana' from 127.0.0.2" "$DIR/server.log" || fail "the log does not name the real client"
if grep -q "198.51.100" "$DIR/server.log"; then fail "a forged address reached the log"; fi
echo "PASS: nginx $("$NGINX" -v 2>&1 | sed 's/.*\///') in front of the review server at $PUBLIC"
