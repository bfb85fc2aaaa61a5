#!/bin/sh
# Generates configure and the Makefile templates (autoreconf); needed once per checkout.
set -e
cd "$(dirname "$0")"
mkdir -p m4
autoreconf --install --force >/dev/null
