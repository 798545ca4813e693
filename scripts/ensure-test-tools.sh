#!/usr/bin/env bash
# System tools the test command needs, installed with apt-get when missing (idempotent: when
# all are on PATH it only prints their versions). Run by `make test` before pytest.
# - Headless Chromium and its WebDriver for the dashboard's end-to-end tests (tests/e2e):
#   Debian's `chromium` and `chromium-driver`.
# - promtool, Prometheus's own rule checker, for the example alert rules
#   (tests/integration/test_alert_rules.py): Debian's `prometheus` package.
set -euo pipefail

packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || packages+=(chromium-driver)
command -v promtool >/dev/null 2>&1 || packages+=(prometheus)

if [ "${#packages[@]}" -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "ensure-test-tools: missing ${packages[*]} and no apt-get here: install them" \
            "(or point FUEL_E2E_CHROMIUM / FUEL_E2E_CHROMEDRIVER at chromium)" >&2
        exit 1
    fi
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
            echo "ensure-test-tools: installing ${packages[*]} needs root (or sudo)" >&2
            exit 1
        fi
    fi
    echo "ensure-test-tools: installing ${packages[*]} (apt)"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # the prometheus package must not start a server here: policy-rc.d exit 101 (one we
    # create, and remove after; an existing one is left as it is)
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        $SUDO sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d'
        $SUDO chmod +x /usr/sbin/policy-rc.d
        trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    for tool in chromium chromedriver promtool; do
        command -v "$tool" >/dev/null 2>&1 || {
            echo "ensure-test-tools: installed, yet $tool is not on PATH" >&2
            exit 1
        }
    done
fi
# the Debian wrapper script prints a harmless shell warning on some machines: drop stderr
echo "ensure-test-tools: $(chromium --version 2>/dev/null); $(chromedriver --version | cut -d' ' -f1-2);" \
    "$(promtool --version 2>&1 | head -1)"
