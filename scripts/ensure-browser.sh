#!/usr/bin/env bash
# Make sure Debian's chromium is installed for the headless-browser AJAX test
# (tests/protocols/test_browser.py). Best effort: without root or apt the test skips and says why.
set -u
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium for the browser test (apt-get)" >&2
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
        || echo "warning: could not install chromium; the browser test will be skipped" >&2
else
    echo "warning: /usr/bin/chromium missing and cannot be installed here; the browser test will be skipped" >&2
fi
exit 0
