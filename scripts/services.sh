#!/usr/bin/env bash
# Install and start what the image tests and the demo use: podman's
# Docker-compatible API on a unix socket, and the registry program with a CA and
# a server certificate for 127.0.0.1, with which tests/support/registry.py starts
# an isolated TLS registry per test (or per demo run).
#
# Usage:
#   eval "$(scripts/services.sh)"      install, configure, start; print exports
#   scripts/services.sh stop           stop the engine
#   scripts/services.sh status         say what is running
#   scripts/services.sh env            print the exports only
#
# Safe to run again and again. Progress goes to stderr, `export` lines to stdout.
set -euo pipefail

STATE_DIR=${RELEASEKIT_SERVICES_DIR:-/var/lib/releasekit-services}
RUN_DIR=/run/releasekit
SOCKET=$RUN_DIR/podman.sock

TLS_DIR=$STATE_DIR/tls
CA_CERT=$TLS_DIR/ca.crt
LOG_DIR=$STATE_DIR/logs
ENGINE_PIDFILE=$RUN_DIR/podman.pid
ENGINE_PROGRAM="podman system service"
STARTUP_TIMEOUT=${RELEASEKIT_SERVICES_TIMEOUT:-60}

PACKAGES=(
    podman runc conmon netavark aardvark-dns iptables uidmap catatonit
    docker-registry openssl apache2-utils curl debootstrap ca-certificates
)

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

install_packages() {
    local missing=()
    local pkg
    for pkg in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' \
            || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return
    fi

    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine may have no package lists, or lists too old to install from.
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Write $2 to file $1 only when it differs; report whether it changed.
write_if_changed() {
    local path=$1 content=$2
    if [ -f "$path" ] && [ "$(cat "$path")" = "$content" ]; then
        return 1
    fi
    mkdir -p "$(dirname "$path")"
    printf '%s\n' "$content" >"$path"
    log "wrote $path"
    return 0
}

nofile_limit() {
    local hard
    hard=$(ulimit -Hn)
    if [ "$hard" = unlimited ] || [ "$hard" -gt 1048576 ]; then
        hard=1048576
    fi
    echo "$hard"
}

# Print "changed" when the engine must be restarted to read new settings.
configure_engine() {
    local nofile changed=""
    nofile=$(nofile_limit)

    # The default overlay driver and systemd cgroups are not usable everywhere
    # this runs; vfs and cgroupfs are. A container's ulimits may not exceed the
    # engine's own hard limits, or every RUN step fails in setrlimit.
    write_if_changed /etc/containers/storage.conf "# Written by releasekit scripts/services.sh
[storage]
driver = \"vfs\"
runroot = \"/run/containers/storage\"
graphroot = \"/var/lib/containers/storage\"" && changed=changed

    write_if_changed /etc/containers/containers.conf "# Written by releasekit scripts/services.sh
[containers]
default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=4096:4096\"]
log_driver = \"k8s-file\"

[network]
network_backend = \"netavark\"

[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\"" && changed=changed

    echo "$changed"
}

engine_answers() {
    [ -S "$SOCKET" ] && curl -sf --max-time 5 --unix-socket "$SOCKET" \
        http://d/_ping >/dev/null 2>&1
}

# A pidfile may outlive its process (a reboot, a killed session), and its pid
# may since belong to another program: check the command line too.
pid_alive() {
    local pidfile=$1 program=$2 pid
    [ -f "$pidfile" ] || return 1
    pid=$(cat "$pidfile")
    kill -0 "$pid" 2>/dev/null \
        && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$program"
}

stop_pid() {
    local name=$1 pidfile=$2 program=$3 pid
    if ! pid_alive "$pidfile" "$program"; then
        rm -f "$pidfile"
        return
    fi

    pid=$(cat "$pidfile")
    log "stopping $name (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

# Wait until command "$2..." succeeds, or fail naming $1 and its log $LOG.
wait_for() {
    local name=$1 logfile=$2
    shift 2
    local deadline=$((SECONDS + STARTUP_TIMEOUT))
    until "$@"; do
        if [ $SECONDS -ge $deadline ]; then
            tail -n 20 "$logfile" >&2 || true
            die "$name did not answer within ${STARTUP_TIMEOUT}s (log: $logfile)"
        fi
        sleep 0.2
    done
}

start_engine() {
    local restart=$1
    if [ -n "$restart" ] && pid_alive "$ENGINE_PIDFILE" "$ENGINE_PROGRAM"; then
        log "engine settings changed; restarting it"
        stop_pid engine "$ENGINE_PIDFILE" "$ENGINE_PROGRAM"
    fi
    if engine_answers; then
        log "engine already answers on $SOCKET"
        return
    fi

    mkdir -p "$RUN_DIR" "$LOG_DIR"
    rm -f "$SOCKET"
    log "starting engine on $SOCKET"
    # From /: containers inherit the engine's working directory, and the
    # caller's (a clone, a temporary folder) may be deleted while it runs.
    (cd / && exec setsid podman system service --time=0 "unix://$SOCKET" \
        </dev/null >>"$LOG_DIR/podman.log" 2>&1) &
    echo $! >"$ENGINE_PIDFILE"
    wait_for engine "$LOG_DIR/podman.log" engine_answers
}

make_certificates() {
    if [ -f "$TLS_DIR/server.crt" ]; then
        return
    fi

    log "creating a CA and a server certificate in $TLS_DIR"
    mkdir -p "$TLS_DIR"
    local work
    work=$(mktemp -d "$TLS_DIR/.new.XXXXXX")
    openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days 3650 \
        -subj "/CN=releasekit local CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
    openssl req -new -nodes -newkey rsa:2048 -sha256 \
        -subj "/CN=127.0.0.1" \
        -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
    printf '%s\n' \
        "basicConstraints=CA:FALSE" \
        "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" \
        "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$work/server.ext"
    openssl x509 -req -sha256 -days 3650 -in "$work/server.csr" \
        -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
        -extfile "$work/server.ext" -out "$work/server.crt" 2>/dev/null
    chmod 600 "$work"/*.key

    # The server certificate is written last: its presence means "done".
    mv "$work/ca.key" "$work/ca.crt" "$work/server.key" "$TLS_DIR/"
    mv "$work/server.crt" "$TLS_DIR/server.crt"
    rm -rf "$work"
}

print_env() {
    cat <<EOF
export DOCKER_HOST=unix://$SOCKET
export RELEASEKIT_SERVICES_DIR=$STATE_DIR
export RELEASEKIT_SERVICES_CA=$CA_CERT
EOF
}

start() {
    [ "$(id -u)" = 0 ] || die "run as root: it installs packages and starts services"

    install_packages
    start_engine "$(configure_engine)"

    make_certificates

    print_env
}

status() {
    local rc=0
    if engine_answers; then
        log "engine: answering on $SOCKET"
    else
        log "engine: not answering"
        rc=1
    fi
    if [ -f "$TLS_DIR/server.crt" ]; then
        log "registry certificates: in $TLS_DIR"
    else
        log "registry certificates: missing"
        rc=1
    fi
    return $rc
}

case ${1:-start} in
start) start ;;
stop)
    stop_pid engine "$ENGINE_PIDFILE" "$ENGINE_PROGRAM"
    rm -f "$SOCKET"
    ;;
status) status ;;
env) print_env ;;
*) die "unknown command '$1' (use start, stop, status or env)" ;;
esac
