#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds and runs the crawler example on a fresh Debian 12 machine (the packages it needs are
# installed first). Without a URL the crawler starts its embedded site on 127.0.0.1 (300
# generated pages, some slow, some missing) and crawls it breadth-first through an AioUtils::Bag
# of 8 slots, printing each page as it arrives and a summary. Arguments go to the crawler, e.g.
#   scripts/demo.sh --concurrency 16 --ordered
#   scripts/demo.sh --max-pages 50 https://doc.qt.io/qt-6/
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake --preset dev
cmake --build --preset dev --target crawler
exec build/dev/examples/crawler/crawler "$@"
