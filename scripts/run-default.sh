#!/usr/bin/env bash
# Runs the bot on its embedded default (config/bot.yaml): no accounts, no
# secrets. Posts go to var/outbox/, comments are read from var/inbox/*.jsonl,
# the review page is on http://127.0.0.1:8080/. Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
BOT="$BUILD/bot/cli/aasr-bot"
# On the very first run, give the inbox the sample comments so the review
# queue has something to show (delete var/ to start over).
if [ ! -d var/inbox ]; then
  mkdir -p var/inbox
  cp posts/samples/inbox.jsonl var/inbox/0000-samples.jsonl
fi
# A first administrator, printed once.
"$BOT" first-admin --config config/bot.yaml
exec "$BOT" run --config config/bot.yaml
