#!/usr/bin/env bash
# Build the local base image localhost/releasekit/python-base:bookworm from
# Debian packages, because public registries cannot be reached from here.
#
# Usage: scripts/base-image.sh        (prints the image name on stdout)
#
# Cached twice: nothing happens when the engine already has the image, and the
# root file system tarball is kept in $CACHE_DIR so a fresh engine re-imports it
# without running debootstrap again. Needs scripts/services.sh to have run.
set -euo pipefail

SUITE=bookworm
IMAGE=${RELEASEKIT_BASE_IMAGE:-localhost/releasekit/python-base:$SUITE}
CACHE_DIR=${RELEASEKIT_CACHE_DIR:-/var/cache/releasekit}
TARBALL=$CACHE_DIR/python-base-$SUITE.tar
PACKAGES=python3,python3-venv,ca-certificates

log() { printf 'base-image: %s\n' "$*" >&2; }
die() { printf 'base-image: error: %s\n' "$*" >&2; exit 1; }

# Print the first Debian mirror that apt uses for $SUITE itself (not -security
# or -updates), from deb822 .sources files or one-line .list files.
configured_mirror() {
    local file mirror
    shopt -s nullglob
    for file in /etc/apt/sources.list.d/*.sources; do
        mirror=$(awk -v suite="$SUITE" "$DEB822_MIRROR" "$file")
        [ -n "$mirror" ] && { echo "$mirror"; return; }
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$file" ] || continue
        mirror=$(awk -v suite="$SUITE" "$ONE_LINE_MIRROR" "$file")
        [ -n "$mirror" ] && { echo "$mirror"; return; }
    done
    shopt -u nullglob
}

# Stanzas are separated by blank lines; a stanza matches when its Types has
# "deb" and its Suites has the suite itself.
# shellcheck disable=SC2016
DEB822_MIRROR='
    function flush(   n, i, s, u) {
        n = split(suites, s, /[ \t]+/)
        for (i = 1; i <= n; i++)
            if (s[i] == suite && (" " types " ") ~ / deb /) {
                split(uris, u, /[ \t]+/); print u[1]; found = 1; exit
            }
        types = ""; uris = ""; suites = ""
    }
    /^[ \t]*$/ { flush(); next }
    $1 == "Types:" { types = $0; sub(/^Types:[ \t]*/, "", types) }
    $1 == "URIs:" { uris = $0; sub(/^URIs:[ \t]*/, "", uris) }
    $1 == "Suites:" { suites = $0; sub(/^Suites:[ \t]*/, "", suites) }
    END { if (!found) flush() }
'

# "deb [options] URI suite components..."
# shellcheck disable=SC2016
ONE_LINE_MIRROR='
    $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
    }
'

build_tarball() {
    local mirror rootfs
    mirror=${RELEASEKIT_DEBIAN_MIRROR:-$(configured_mirror)}
    [ -n "$mirror" ] || die "no Debian mirror for $SUITE in /etc/apt; set RELEASEKIT_DEBIAN_MIRROR"

    mkdir -p "$CACHE_DIR"
    rootfs=$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")
    # mktemp makes the folder 0700; as the image's / it would lock out non-root users.
    chmod 755 "$rootfs"
    # shellcheck disable=SC2064
    trap "rm -rf '$rootfs' '$TARBALL.new'" EXIT

    log "debootstrap $SUITE from $mirror into $rootfs"
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" \
        "$mirror" >&2

    # Nothing in the image needs package caches, lists, docs or translations.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
        "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* \
        "$rootfs"/var/log/* "$rootfs"/var/cache/debconf/*-old
    find "$rootfs"/usr/lib/python3* -name __pycache__ -prune -exec rm -rf {} +

    tar --numeric-owner -C "$rootfs" -cf "$TARBALL.new" .
    mv "$TARBALL.new" "$TARBALL"
    rm -rf "$rootfs"
    trap - EXIT
    log "kept $TARBALL ($(du -h "$TARBALL" | cut -f1))"
}

main() {
    [ "$(id -u)" = 0 ] || die "run as root: debootstrap and the engine need it"
    command -v podman >/dev/null || die "podman is missing: run scripts/services.sh first"

    if podman image exists "$IMAGE"; then
        log "$IMAGE already in the engine"
        echo "$IMAGE"
        return
    fi

    [ -s "$TARBALL" ] || build_tarball

    log "importing $TARBALL as $IMAGE"
    podman import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["/usr/bin/python3"]' \
        --message "Debian $SUITE minbase with python3, python3-venv, ca-certificates" \
        "$TARBALL" "$IMAGE" >&2
    log "$IMAGE is $(podman image inspect --format '{{.Size}}' "$IMAGE") bytes"
    echo "$IMAGE"
}

main "$@"
