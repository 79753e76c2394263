#!/usr/bin/env bash
# Runs the bot on its embedded default. For now: screens the sample comments.
set -euo pipefail
BUILD=${1:-build}
"$BUILD/bot/cli/aasr-bot" screen --rules rules --format text < rules/samples/comments.txt
