#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds AioUtils with the `dev` preset (Debug, warnings are errors) and runs every test, on a
# fresh Debian 12 machine: the packages it needs are installed first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake --preset dev
cmake --build --preset dev
ctest --preset dev
