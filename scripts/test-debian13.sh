#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds AioUtils and runs every test against Qt 6.8 LTS (Debian 13, trixie) on a Debian 12
# machine, in a Debian 13 root made with debootstrap from Debian's archive.
#
#   sudo scripts/test-debian13.sh                 # the dev preset: what scripts/test.sh runs
#   sudo scripts/test-debian13.sh dev asan tsan   # the given presets, one after another
#
# Each preset is configured, built and tested with CTest (`ctest --preset <name>`), exactly as on
# the host. The first run creates the root (about 1 minute) and installs the packages of
# scripts/install-deps.sh in it (2-4 minutes, about 1.5 GB); later runs reuse both and only
# install what is missing. The working tree, as it is (uncommitted changes included, build/
# and .git left out), is copied to /src in the root; the build trees stay in the root's
# /src/build/<preset>, so a later run builds only the files whose content changed.
#
# Needs root (debootstrap, chroot, mounting /proc); uses sudo when not run as root.
# Environment:
#   AIOUTILS_DEBIAN13_ROOT  where the root lives (default /var/cache/aioutils/debian13)
#   AIOUTILS_DEBIAN_MIRROR  the Debian archive (default http://deb.debian.org/debian)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$(id -u)" -ne 0 ]; then
    exec sudo --preserve-env=AIOUTILS_DEBIAN13_ROOT,AIOUTILS_DEBIAN_MIRROR "$0" "$@"
fi

root="${AIOUTILS_DEBIAN13_ROOT:-/var/cache/aioutils/debian13}"
mirror="${AIOUTILS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
presets=("$@")
[ "${#presets[@]}" -gt 0 ] || presets=(dev)

say() { printf 'test-debian13: %s\n' "$*"; }

if ! command -v debootstrap > /dev/null; then
    say "installing debootstrap"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
fi

# The marker is written last: a root whose debootstrap was interrupted is made again.
if [ ! -e "$root/.aioutils-debootstrap-done" ]; then
    say "creating the Debian 13 root in $root"
    # A run killed before its clean-up may have left /proc mounted there.
    if mountpoint -q "$root/proc" 2> /dev/null; then
        umount "$root/proc" || umount -l "$root/proc"
    fi
    rm -rf "$root"
    mkdir -p "$root"
    debootstrap --variant=minbase trixie "$root" "$mirror"
    touch "$root/.aioutils-debootstrap-done"
fi

# /proc is all the tests need from the host (debootstrap made the device nodes). Nothing else is
# bind-mounted, so deleting the root can never reach into the host's files.
mounted=""
cleanup() {
    if [ -n "$mounted" ]; then
        umount "$root/proc" || umount -l "$root/proc" || true
    fi
}
trap cleanup EXIT
if ! mountpoint -q "$root/proc"; then
    mount -t proc proc "$root/proc"
    mounted=yes
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"

# Only files whose content changed are replaced, and they get the time of the copy: the build
# trees in the root then rebuild exactly what changed. (Keeping the working tree's times would
# not do: a file edited before the root's last build, from another checkout, would look older
# than its object file.)
say "copying the working tree to $root/src"
staging="$root/src.new"
rm -rf "$staging"
mkdir -p "$staging" "$root/src"
tar --exclude='./build*' --exclude=./.git -cf - . | tar -C "$staging" -xf - --touch
(
    cd "$staging"
    find . -type f -print0 | while IFS= read -r -d '' file; do
        if ! cmp -s "$file" "$root/src/$file"; then
            mkdir -p "$root/src/$(dirname "$file")"
            mv -f "$file" "$root/src/$file"
        fi
    done
)
# Files gone from the working tree go from the copy too (the build trees stay).
tree="$PWD"
(
    cd "$root/src"
    find . -path ./build -prune -o -type f -print0 | while IFS= read -r -d '' file; do
        [ -e "$tree/$file" ] || rm -f "$file"
    done
)
rm -rf "$staging"

# A clean environment: nothing of the host's (QT_*, CMAKE_*, sanitizer options) leaks in.
in_root() {
    chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        DEBIAN_FRONTEND=noninteractive "$@"
}

say "packages (scripts/install-deps.sh inside the root)"
in_root /src/scripts/install-deps.sh

say "$(in_root dpkg-query -W -f='Qt ${Version}' qt6-base-dev), $(in_root g++ --version | head -n 1)"

for preset in "${presets[@]}"; do
    say "preset $preset: configure, build, test"
    in_root sh -c "cd /src && cmake --preset '$preset' && cmake --build --preset '$preset' -j2 \
        && ctest --preset '$preset'"
done
say "passed on Debian 13: ${presets[*]}"
