#!/usr/bin/env bash
# The Debian package, end to end without a chroot (issue 15 §1):
#   1. cpack builds the .deb from this build tree (into a temp dir);
#   2. its control data: name, version (= CMake's), depends, maintainer
#      scripts (mode 0755, `sh -n`), conffiles (= every file under /etc);
#   3. its file list and modes (FHS paths; no rules/corpus/);
#   4. dpkg-deb -x into a fresh root: the editable rules equal the pristine
#      ones, `systemd-analyze verify` on the unit (with --root), and the
#      unit's sandboxing keys are there;
#   5. the installed binary, from another directory, on the installed config
#      (a test overlay points /var/lib and /usr/share into the root and picks
#      a free port): /healthz answers ok, files are 0600 and folders 0700,
#      SIGHUP (the unit's ExecReload) keeps it up, SIGTERM stops it with 0;
#   6. the maintainer scripts, run as dpkg runs them for a chrootless install
#      (DPKG_ROOT=another fresh root) with adduser, chown, getent and
#      systemctl stubbed: postinst makes the user, the state directory (0700)
#      and secrets.env (0640, kept on upgrade); remove keeps the data; purge
#      deletes the state, secrets.env and the user.
# Usage: package_test.sh BUILD_DIR VERSION
set -euo pipefail
BUILD=$(cd "$1" && pwd)
VERSION=$2
T=$(mktemp -d /tmp/aasr-package-test.XXXXXX)
PID=
cleanup() {
  [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null || true
  [ -z "${AASR_KEEP_TEST_DIRS:-}" ] && rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# 1. Build the package.
cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T/out" -D CPACK_OUTPUT_FILE_PREFIX="$T/out" >"$T/cpack.log" 2>&1 || { cat "$T/cpack.log"; fail "cpack"; }
DEB=$(ls "$T"/out/*.deb)
[ "$(basename "$DEB")" = "aasr-bot_${VERSION}_$(dpkg --print-architecture).deb" ] || fail "package file name $(basename "$DEB")"
ok "built $(basename "$DEB") ($(du -k "$DEB" | cut -f1) KiB)"

# 2. Control data.
field() { dpkg-deb -f "$DEB" "$1"; }
[ "$(field Package)" = aasr-bot ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$VERSION" ] || fail "Version: $(field Version), CMake says $VERSION"
field Depends | grep -q adduser || fail "Depends lacks adduser: $(field Depends)"
field Depends | grep -q libc6 || fail "Depends lacks the shared libraries (dpkg-shlibdeps): $(field Depends)"
mkdir "$T/control"
dpkg-deb -e "$DEB" "$T/control"
for s in postinst prerm postrm; do
  [ -f "$T/control/$s" ] || fail "no $s"
  [ "$(stat -c %a "$T/control/$s")" = 755 ] || fail "$s mode $(stat -c %a "$T/control/$s")"
  sh -n "$T/control/$s" || fail "$s: syntax"
  head -1 "$T/control/$s" | grep -q '^#!/bin/sh' || fail "$s: not a /bin/sh script"
done
ok "control: $(field Package) $(field Version), Depends: $(field Depends)"

# 3. Files and modes.
dpkg-deb -c "$DEB" | awk '{print $1, $2, $6}' | sed 's#^\(.*\) \./#\1 /#' >"$T/list"
has() {  # has MODE PATH
  grep -qx -- "$1 root/root $2" "$T/list" || fail "$2 with $1 root/root not in the package: $(grep " $2\$" "$T/list" || echo missing)"
}
has -rwxr-xr-x /usr/bin/aasr-bot
has -rw-r--r-- /etc/aasr-bot/bot.yaml
has -rw-r--r-- /lib/systemd/system/aasr-bot.service
for d in /usr/share/aasr-bot/rules /etc/aasr-bot/rules; do
  for f in README.md crisis.yaml harassment.yaml hate.yaml privacy.yaml sexual.yaml spam.yaml threat.yaml lists/insults.txt; do
    has -rw-r--r-- "$d/$f"
  done
done
for f in graphics.yaml templates.yaml README.md samples/inbox.jsonl; do has -rw-r--r-- "/usr/share/aasr-bot/posts/$f"; done
for f in bot.yaml secrets.env README.md bot.live.example.yaml schedules.yaml; do has -rw-r--r-- "/usr/share/aasr-bot/config/$f"; done
has -rw-r--r-- /usr/share/doc/aasr-bot/README.md
has -rw-r--r-- /usr/share/doc/aasr-bot/examples/nginx/aasr-bot.conf
! grep -q corpus "$T/list" || fail "rules/corpus/ is in the package"
! grep -q '/etc/aasr-bot/secrets.env' "$T/list" || fail "secrets.env is shipped (postinst makes it, 0640 root:aasr-bot)"
! grep -q ' /var/' "$T/list" || fail "the package ships files under /var (the state is made at run time)"
! grep -v '^d' "$T/list" | grep -qv '^-rw-r--r--\|^-rwxr-xr-x' || fail "unexpected modes: $(grep -v '^d' "$T/list" | grep -v '^-rw-r--r--\|^-rwxr-xr-x')"
! grep '^d' "$T/list" | grep -qv '^drwxr-xr-x root/root' || fail "unexpected directory modes"
# conffiles: exactly the files under /etc.
grep ' /etc/' "$T/list" | grep -v '^d' | awk '{print $3}' | sort >"$T/etc-files"
sort "$T/control/conffiles" >"$T/conffiles"
diff "$T/etc-files" "$T/conffiles" || fail "conffiles differ from the files under /etc (left: files, right: conffiles)"
ok "$(grep -vc '^d' "$T/list") files; conffiles: $(wc -l <"$T/conffiles") (bot.yaml and the rules under /etc)"

# 4. Into a fresh root.
ROOT=$T/root
dpkg-deb -x "$DEB" "$ROOT"
diff -r "$ROOT/usr/share/aasr-bot/rules" "$ROOT/etc/aasr-bot/rules" || fail "the editable rules differ from the pristine ones"
cmp "$ROOT/usr/share/aasr-bot/config/bot.yaml" "$ROOT/etc/aasr-bot/bot.yaml" || fail "the pristine bot.yaml differs"
UNIT=$ROOT/lib/systemd/system/aasr-bot.service
for key in User=aasr-bot Restart=on-failure ProtectSystem=strict ProtectHome=yes NoNewPrivileges=yes PrivateTmp=yes \
           ReadWritePaths=/var/lib/aasr-bot StateDirectory=aasr-bot EnvironmentFile=/etc/aasr-bot/secrets.env \
           'ExecReload=/bin/kill -HUP $MAINPID' 'ExecStart=/usr/bin/aasr-bot run --config /etc/aasr-bot/bot.yaml --log-format text'; do
  grep -qxF "$key" "$UNIT" || fail "the unit lacks $key"
done
# systemd-analyze resolves the unit's dependencies and commands inside
# --root: give the root the base system's units and /bin/kill.
mkdir -p "$ROOT/usr/lib/systemd/system" "$ROOT/bin"
cp -a /usr/lib/systemd/system/. "$ROOT/usr/lib/systemd/system/"
cp /bin/kill "$ROOT/bin/kill"
systemd-analyze verify --root="$ROOT" aasr-bot.service >"$T/verify.log" 2>&1 || { cat "$T/verify.log"; fail "systemd-analyze verify"; }
[ ! -s "$T/verify.log" ] || { cat "$T/verify.log"; fail "systemd-analyze verify warned"; }
EXPOSURE=$(systemd-analyze security --offline=true --root="$ROOT" aasr-bot.service 2>/dev/null | sed -n 's/.*Overall exposure level for aasr-bot.service: \([0-9.]*\).*/\1/p')
[ -n "$EXPOSURE" ] || fail "systemd-analyze security gave no score"
awk -v e="$EXPOSURE" 'BEGIN { exit !(e <= 2.0) }' || fail "exposure $EXPOSURE > 2.0"
ok "systemd-analyze verify: clean; security exposure $EXPOSURE"

# 5. The installed binary on the installed config, from another directory.
BIN=$ROOT/usr/bin/aasr-bot
[ "$("$BIN" --version)" = "aasr-bot $VERSION" ] || fail "--version: $("$BIN" --version)"
PORT=
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 40000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PORT=$p; break; fi
done
[ -n "$PORT" ] || fail "no free port"
CFG=$ROOT/etc/aasr-bot/bot.test.yaml   # beside bot.yaml, so base_dir: . still means /etc/aasr-bot
sed -e "s#/var/lib/aasr-bot#$ROOT/var/lib/aasr-bot#g" -e "s#/usr/share/aasr-bot#$ROOT/usr/share/aasr-bot#g" \
    -e "s#127.0.0.1:8080#127.0.0.1:$PORT#" "$ROOT/etc/aasr-bot/bot.yaml" >"$CFG"
grep -q "^rules: rules" "$CFG" || fail "the installed config no longer uses a relative rules path"
mkdir -p "$T/elsewhere"
( cd "$T/elsewhere" && exec "$BIN" run --config "$CFG" >"$T/daemon.log" 2>&1 ) &
PID=$!
up=
for _ in $(seq 1 200); do
  if curl -fsS "http://127.0.0.1:$PORT/healthz" -o "$T/health.json" 2>/dev/null; then up=1; break; fi
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
[ -n "$up" ] || { cat "$T/daemon.log"; fail "/healthz did not answer"; }
grep -q '"status":"ok"' "$T/health.json" || { cat "$T/health.json"; fail "/healthz not ok"; }
grep -q "\"version\":\"$VERSION\"" "$T/health.json" || fail "/healthz version: $(cat "$T/health.json")"
grep -q "rules, database $ROOT/var/lib/aasr-bot/aasr.db" "$T/daemon.log" || { cat "$T/daemon.log"; fail "not on the installed paths"; }
[ ! -e "$T/elsewhere/var" ] && [ -z "$(ls -A "$T/elsewhere")" ] || fail "it wrote into its working directory: $(ls -A "$T/elsewhere")"
ok "/healthz: $(cat "$T/health.json")"

STATE=$ROOT/var/lib/aasr-bot
for f in aasr.db aasr.db-wal aasr.db-shm aasr.db.lock; do
  [ "$(stat -c %a "$STATE/$f")" = 600 ] || fail "$f mode $(stat -c %a "$STATE/$f")"
done
[ "$(stat -c %a "$STATE")" = 700 ] || fail "state directory mode $(stat -c %a "$STATE")"
bad=$(find "$STATE" \( -type f ! -perm 0600 \) -o \( -type d ! -perm 0700 \))
[ -z "$bad" ] || fail "modes in the state directory: $(stat -c '%a %n' $bad)"
ok "state modes: $(cd "$STATE" && find . -mindepth 1 -maxdepth 2 -printf '%m %p, ' | sort)"

kill -HUP "$PID"
for _ in $(seq 1 100); do grep -q "reloaded $CFG" "$T/daemon.log" && break; sleep 0.1; done
grep -q "reloaded $CFG" "$T/daemon.log" || { cat "$T/daemon.log"; fail "SIGHUP did not reload"; }
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || fail "down after SIGHUP"
ok "SIGHUP reloaded and it stayed up"
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=
[ "$rc" = 0 ] || { cat "$T/daemon.log"; fail "exit $rc after SIGTERM"; }
ok "SIGTERM: exit 0"

# 6. Maintainer scripts in a second fresh root.
R2=$T/root2
dpkg-deb -x "$DEB" "$R2"
STUBS=$T/stubs
mkdir -p "$STUBS"
CALLS=$T/calls
: >"$CALLS"
for cmd in adduser deluser delgroup chown systemctl; do
  printf '#!/bin/sh\necho "%s $*" >>"%s"\n[ %s = adduser ] && touch "%s"\n[ %s = deluser ] && rm -f "%s"\nexit 0\n' \
    "$cmd" "$CALLS" "$cmd" "$T/user-exists" "$cmd" "$T/user-exists" >"$STUBS/$cmd"
done
printf '#!/bin/sh\n[ "$1" = passwd ] || [ "$1" = group ] || exit 2\n[ -e "%s" ]\n' "$T/user-exists" >"$STUBS/getent"
# install(1) without -o/-g (the aasr-bot user exists only in the stubs).
cat >"$STUBS/install" <<'STUB'
#!/bin/sh
args=
while [ $# -gt 0 ]; do
  case "$1" in -o|-g) shift 2 ;; *) args="$args \"$1\""; shift ;; esac
done
eval exec /usr/bin/install $args
STUB
chmod +x "$STUBS"/*
script() { DPKG_ROOT=$R2 PATH=$STUBS:$PATH DPKG_MAINTSCRIPT_NAME=$1 sh "$T/control/$@" || fail "$* exited $?"; }
script postinst configure ""
grep -q '^adduser --system --group .* aasr-bot$' "$CALLS" || fail "postinst did not add the system user: $(cat "$CALLS")"
[ "$(stat -c %a "$R2/var/lib/aasr-bot")" = 700 ] || fail "state directory mode $(stat -c %a "$R2/var/lib/aasr-bot")"
[ "$(stat -c %a "$R2/etc/aasr-bot/secrets.env")" = 640 ] || fail "secrets.env mode $(stat -c %a "$R2/etc/aasr-bot/secrets.env")"
grep -q "^chown root:aasr-bot $R2/etc/aasr-bot/secrets.env$" "$CALLS" || fail "secrets.env not given to root:aasr-bot"
cmp -s "$R2/etc/aasr-bot/secrets.env" "$R2/usr/share/aasr-bot/config/secrets.env" || fail "secrets.env is not the template"
# An upgrade: the user exists, secrets.env keeps its edits and its mode.
echo "AASR_MASTODON_TOKEN=kept" >>"$R2/etc/aasr-bot/secrets.env"
chmod 0644 "$R2/etc/aasr-bot/secrets.env"
: >"$CALLS"
script postinst configure "$VERSION"
! grep -q '^adduser' "$CALLS" || fail "the user was added twice"
grep -q '^AASR_MASTODON_TOKEN=kept$' "$R2/etc/aasr-bot/secrets.env" || fail "an upgrade overwrote secrets.env"
[ "$(stat -c %a "$R2/etc/aasr-bot/secrets.env")" = 640 ] || fail "an upgrade left secrets.env $(stat -c %a "$R2/etc/aasr-bot/secrets.env")"
echo data >"$R2/var/lib/aasr-bot/aasr.db"
script prerm remove
script postrm remove
[ -e "$R2/var/lib/aasr-bot/aasr.db" ] && [ -e "$R2/etc/aasr-bot/secrets.env" ] || fail "remove deleted the data or the secrets"
# dpkg deletes the conffiles before postrm purge; so does this test.
while read -r f; do rm -f "$R2$f"; done <"$T/control/conffiles"
script postrm purge
[ ! -e "$R2/var/lib/aasr-bot" ] || fail "purge kept /var/lib/aasr-bot"
[ ! -e "$R2/etc/aasr-bot" ] || fail "purge kept /etc/aasr-bot: $(find "$R2/etc/aasr-bot")"
grep -q '^deluser --quiet --system aasr-bot$' "$CALLS" || fail "purge did not remove the user: $(cat "$CALLS")"
! grep -q '^systemctl' "$CALLS" || fail "systemctl called outside a systemd system: $(grep systemctl "$CALLS")"
ok "maintainer scripts: user, 0700 state, 0640 secrets.env kept on upgrade; remove keeps data; purge deletes it"
echo "PASS"
