#!/usr/bin/env bash
# Runs the bot on its embedded default: no accounts, nothing to configure.
# For now that is screening the sample comments with the shipped rules and
# printing each verdict; the daemon (`aasr-bot run`) will take its place.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
BOT="$BUILD/bot/cli/aasr-bot"
"$BOT" rules check rules
echo
echo "Screening rules/samples/comments.txt (matched words marked «like this»):"
echo
"$BOT" screen --rules rules --format text < rules/samples/comments.txt
