#!/usr/bin/env bash
# Installs the browser the HTML report's tests and benchmark drive: Debian's `chromium` (/usr/bin/chromium),
# driven by playwright-core (a devDependency, installed by ensure-deps.sh) through executablePath. Never
# `playwright install`: the browser comes from Debian's packages only. Does nothing when it is already there.
set -euo pipefail

browser=/usr/bin/chromium
if [[ -x $browser ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "ensure-browser: $browser is missing and this is not root; install Debian's chromium package" >&2
  exit 1
fi
echo "ensure-browser: installing Debian's chromium (apt-get; a first install takes a minute or two)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Progress stays visible (one line per package fetched and unpacked); fonts-liberation gives the report's
# screenshots real glyphs on a machine with no fonts.
apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 chromium fonts-liberation
if [[ ! -x $browser ]]; then
  echo "ensure-browser: the chromium package installed no $browser" >&2
  exit 1
fi
echo "ensure-browser: $($browser --version 2>/dev/null || echo chromium) installed"
