#!/usr/bin/env bash
# Installs every Debian package that aasr-bot's build, tests and benchmarks need.
# Idempotent: packages already present are skipped, and apt is only asked when
# something is missing. Nothing is downloaded from anywhere but Debian's mirrors.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config ccache   # ccache: cheap rebuilds
  libcpprest-dev libssl-dev        # HTTP client and server (cpprestsdk)
  nlohmann-json3-dev                # JSON
  libre2-dev                        # rule matching (RE2, RE2::Set)
  libyaml-cpp-dev                   # rule, post and config files
  libspdlog-dev                     # logging
  catch2                            # unit tests (Catch2 v2)
  libutf8proc-dev                   # Unicode NFKC, case folding, graphemes
  libcli11-dev                      # command line
  libsqlite3-dev                    # the embedded store
  dpkg-dev adduser                  # make deb: dpkg-shlibdeps; the package's postinst user
  systemd                           # tests/packaging: systemd-analyze verify/security on the unit
  libsodium-dev                     # Argon2id password hashes, session tokens (review page)
  wrk curl                          # HTTP load and login for the review server benchmark
  chromium                          # browser tests of the review page (playwright-core drives chromium)
  libhyperscan-dev libbenchmark-dev # benchmark ceiling and harness
  libpugixml-dev                    # outreach: RSS and Atom feeds
  libcctz-dev tzdata                # outreach: schedules in IANA time zones (DST-correct)
  libvips-dev                       # outreach: downscaling images over a platform's limit
  librsvg2-bin                      # outreach: rendering the sample graphics from SVG
  postgresql                        # the AT Protocol test network's database (tests/atproto)
  clang-14 libclang-rt-14-dev       # make fuzz: libFuzzer with ASan + UBSan (fuzz/)
  libcurl4-openssl-dev              # alerts by e-mail: libcurl's SMTP (STARTTLS, AUTH)
  python3-aiosmtpd                  # tests: a real SMTP server receiving alert e-mails
  nginx-light openssl               # tests/packaging: the documented TLS reverse proxy (packaging/nginx/)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Node.js and npm run the browser tests and the AT Protocol test network
# (@atproto/dev-env needs Node >= 20). A Node 20 package such as NodeSource's
# provides both commands and conflicts with Debian's `npm` package, so Debian's
# are installed only when the commands are missing.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
