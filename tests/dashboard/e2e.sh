#!/usr/bin/env bash
# End-to-end test of the perf dashboard in headless Debian Chromium; the work
# is in e2e.py (which installs chromium with apt-get when missing and root).
# Usage: tests/dashboard/e2e.sh [SCREENSHOT.png]
#        (default build/dashboard-e2e.png, or $DASHBOARD_E2E_SCREENSHOT)
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/e2e.py" "$@"
