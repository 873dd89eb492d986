#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds and runs the nested-loops example on a fresh Debian 12 machine (the packages it needs are
# installed first): 10 outer tasks of 100 ms, each spawning 10 inner tasks of 100 ms, run
# sequentially, in an AioUtils::Group and in an AioUtils::Pool(5). Arguments go to the example,
# e.g. scripts/demo.sh --skip-sequential --pool 10
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake --preset dev
cmake --build --preset dev --target nested-loops
exec build/dev/examples/nested-loops/nested-loops "$@"
