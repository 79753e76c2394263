#!/usr/bin/env bash
# Renders the sample graphics from their SVG sources (needs rsvg-convert from
# Debian's librsvg2-bin and the DejaVu fonts). The PNGs are committed so the
# bot runs without this step; re-run it after editing an SVG.
set -euo pipefail
cd "$(dirname "$0")"
for svg in src/*.svg; do
  png="$(basename "${svg%.svg}").png"
  rsvg-convert --format=png --output="$png" "$svg"
  echo "rendered $png ($(stat -c %s "$png") bytes)"
done
