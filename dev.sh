#!/usr/bin/env bash
# reel's whole set-up on a fresh Debian 12 machine, in one of two commands:
#
#   ./dev.sh run    install what is missing, build, and run reeld with its
#                   embedded defaults (own nats-server, data in ./reel-data)
#   ./dev.sh test   install what is missing, build, run the test suite, then
#                   the unit tests again under AddressSanitizer + UBSan, then
#                   the fuzzers
#   ./dev.sh fuzz   the fuzzers alone: build the libFuzzer harnesses with
#                   clang and run each for REEL_FUZZ_SECONDS (default 60)
#   ./dev.sh cluster
#                   a whole cluster on this machine (README "Deployment"):
#                   three clustered nats-servers (R3 streams), s3rver for
#                   the blobs, and four reeld processes with different
#                   roles and their own data directories; prints the URLs
#                   and runs until Ctrl-C (data in ./reel-cluster)
#
# Extra arguments after `run` go to reeld (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  # build
  meson ninja-build pkg-config gcc
  # libraries (DESIGN.md "Parts and their dependencies")
  libglib2.0-dev libsoup-3.0-dev libjson-glib-dev libsodium-dev liblmdb-dev libnats-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  libcurl4-openssl-dev
  # reel-media's H.264 encoder (plugins/gstreelx264enc.c)
  libx264-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools gstreamer1.0-x
  # the embedded event log
  nats-server
)
# Only the tests need these: reference tools and checkers the tests run
# (ffmpeg decodes what reel serves, mdb_dump compares read models, JSON
# Schema and Prometheus validators, an SMTP sink, botocore recomputing the
# S3 signatures and awscli cross-checking the S3 objects, feedparser reading
# the RSS and Atom feeds), a real browser for
# the browser suite, and SQLite FTS5 as the search benchmark's reference.
TEST_APT_PACKAGES=(
  ffmpeg lmdb-utils chromium libsqlite3-dev
  python3 python3-jsonschema python3-yaml python3-prometheus-client python3-aiosmtpd
  python3-botocore awscli python3-feedparser
)

# The fuzzers (tests/fuzz): clang and its libFuzzer runtime.
FUZZ_APT_PACKAGES=(clang libclang-rt-14-dev)

install_deps() { # install_deps PACKAGE...
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "dev.sh: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The web UI's third-party scripts (hls.js, tus-js-client), the browser tests' driver
# (playwright-core, which drives Debian's Chromium and downloads no browser) and
# the S3 tests' server (s3rver), pinned by package-lock.json; hls.js is copied
# where reeld serves it.
install_npm() {
  if ! command -v npm >/dev/null; then
    install_deps nodejs npm
  fi
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "dev.sh: installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  mkdir -p data/www/vendor
  cp node_modules/hls.js/dist/hls.min.js data/www/vendor/hls.min.js
  cp node_modules/tus-js-client/dist/tus.min.js data/www/vendor/tus.min.js
}

build() { # build DIR [meson options...]
  local dir=$1
  shift
  [ -f "$dir/build.ninja" ] || meson setup "$dir" "$@"
  meson compile -C "$dir"
}

# meson's summary counts ("Ok: N", "Fail: N", ...) of the last run in DIR.
count() { # count DIR LABEL (0 when the stage left no log: see missing)
  local n
  n=$(sed -n "s/^$2:[[:space:]]*\([0-9]*\).*/\1/p" "$1/meson-logs/testlog.txt" 2>/dev/null | tail -n 1)
  echo "${n:-0}"
}

missing() { # missing DIR: 1 when the stage never ran its tests (its build failed)
  if [ -f "$1/meson-logs/testlog.txt" ]; then echo 0; else echo 1; fi
}

# The fuzz suite (tests/fuzz): every libFuzzer harness for REEL_FUZZ_SECONDS
# (default 60) on its committed corpus, two at a time, in a clang build of
# its own.
run_fuzz() {
  [ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzzing=true -Dtests=false \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
  meson configure build-fuzz -Dfuzz_seconds="${REEL_FUZZ_SECONDS:-60}"
  meson compile -C build-fuzz
  meson test -C build-fuzz --suite fuzz --print-errorlogs --num-processes 2
}

run_tests() {
  local status=0 passed=0 failed=0
  build build
  meson test -C build --print-errorlogs --num-processes 2 || status=1
  passed=$((passed + $(count build Ok)))
  failed=$((failed + $(count build Fail) + $(count build Timeout) + $(count build "Unexpected Pass")))

  # Fault injection: SIGKILLs under load for a few minutes, so it runs on
  # its own after the default run (which leaves the suite out).
  meson test -C build --suite fault --print-errorlogs || status=1
  passed=$((passed + $(count build Ok)))
  failed=$((failed + $(count build Fail) + $(count build Timeout) + $(count build "Unexpected Pass")))

  # The multi-node cluster (three nats-servers, s3rver, four reeld
  # processes): a few minutes, on its own like the fault suite.
  meson test -C build --suite cluster --print-errorlogs || status=1
  passed=$((passed + $(count build Ok)))
  failed=$((failed + $(count build Fail) + $(count build Timeout) + $(count build "Unexpected Pass")))

  # The sanitizers catch what tests miss: memory errors and undefined behaviour.
  build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    meson test -C build-asan --suite unit --print-errorlogs || status=1
  passed=$((passed + $(count build-asan Ok)))
  failed=$((failed + $(count build-asan Fail) + $(count build-asan Timeout) + $(count build-asan "Unexpected Pass")))

  # The fuzzers: about 7 minutes with their build (README "Fuzzing").
  run_fuzz || status=1
  passed=$((passed + $(count build-fuzz Ok)))
  # A harness that cannot run is a failure here, not a skip.
  failed=$((failed + $(count build-fuzz Fail) + $(count build-fuzz Timeout) + $(count build-fuzz Skipped)))
  # A stage whose build failed ran nothing: one failure each, not silence.
  failed=$((failed + $(missing build) + $(missing build-asan) + $(missing build-fuzz)))

  echo "tests: $passed passed, $failed failed"
  return $status
}

# A cluster on one machine, laid out as three machines would be (README
# "Deployment"): nats-server n1..n3 clustered at R3, one S3 server, node A
# (api,projector,ingest), node B (api,projector), workers W1 and W2, each
# reeld with its own data directory. Ports from REEL_CLUSTER_PORT (default
# 18000): +0/+1 the API nodes, +10..12 NATS clients, +20..22 NATS routes,
# +30..32 NATS monitoring, +40 S3.
run_cluster() {
  local root="${REEL_CLUSTER_DIR:-$PWD/reel-cluster}" base="${REEL_CLUSTER_PORT:-18000}"
  local bucket=reel pids=() nodes=() urls="" routes="" i name roles port
  mkdir -p "$root"
  # The reeld nodes first, while NATS and S3 are still there for their
  # last work; then the servers.
  trap 'trap - INT TERM EXIT; echo "dev.sh: stopping the cluster"
        kill "${nodes[@]}" 2>/dev/null; wait "${nodes[@]}"
        kill "${pids[@]}" 2>/dev/null; wait; exit 0' INT TERM EXIT
  for i in 1 2 3; do
    urls+="${urls:+,}nats://127.0.0.1:$((base + 9 + i))"
    routes+="${routes:+,}nats://127.0.0.1:$((base + 19 + i))"
  done
  for i in 1 2 3; do
    mkdir -p "$root/nats$i"
    nats-server -js --server_name="n$i" --cluster_name=reel -a 127.0.0.1 \
      --port=$((base + 9 + i)) --http_port=$((base + 29 + i)) \
      --cluster="nats://127.0.0.1:$((base + 19 + i))" --routes="$routes" \
      --store_dir="$root/nats$i" --log="$root/nats$i/nats-server.log" &
    pids+=($!)
  done
  mkdir -p "$root/s3"
  # s3rver makes its listing tokens with DES, in OpenSSL 3's legacy provider.
  NODE_OPTIONS=--openssl-legacy-provider node_modules/.bin/s3rver --silent -d "$root/s3" \
    -a 127.0.0.1 -p $((base + 40)) --service-endpoint localhost --configure-bucket "$bucket" &
  pids+=($!)
  cat >"$root/reeld.conf" <<CONF
# Written by ./dev.sh cluster; every node reads it.
[nats]
replicas = 3
[blobs]
backend = s3
s3_endpoint = http://127.0.0.1:$((base + 40))
s3_bucket = $bucket
s3_region = us-east-1
s3_access_key = S3RVER
s3_secret_key = S3RVER
s3_path_style = true
CONF
  # The streams can only be created once the cluster has a leader.
  for i in $(seq 1 150); do
    curl -sf "http://127.0.0.1:$((base + 30))/jsz" | grep -q '"leader"' && break
    sleep 0.2
  done
  for node in a:api,projector,ingest:0 b:api,projector:1 w1:worker: w2:worker:; do
    IFS=: read -r name roles port <<<"$node"
    mkdir -p "$root/$name"
    ./build/src/reeld --config="$root/reeld.conf" --data-dir="$root/$name" --nats-url="$urls" \
      --roles="$roles" ${port:+--listen=127.0.0.1:$((base + port))} \
      >/dev/null 2>"$root/$name/reeld.log" &
    nodes+=($!)
    # A first: it creates the streams the others then find.
    if [ "$name" = a ]; then sleep 2; fi
  done
  cat <<URLS
dev.sh: the cluster runs (data and logs under $root):
  node A (api,projector,ingest)  http://127.0.0.1:$base/
  node B (api,projector)         http://127.0.0.1:$((base + 1))/
  workers W1, W2                 logs in $root/w1, $root/w2
  NATS (3 nodes, R3 streams)     $urls
  NATS monitoring                http://127.0.0.1:$((base + 30))/jsz?streams=true
  S3 (s3rver, bucket "$bucket")     http://127.0.0.1:$((base + 40))/
Ctrl-C stops everything.
URLS
  wait -n "${pids[@]}" "${nodes[@]}" || true
  echo "dev.sh: a process of the cluster exited; see the logs under $root" >&2
}

case "${1:-}" in
  run)
    shift
    install_deps "${APT_PACKAGES[@]}"
    install_npm
    build build
    exec ./build/src/reeld --data-dir "${REEL_DATA_DIR:-$PWD/reel-data}" "$@"
    ;;
  test)
    install_deps "${APT_PACKAGES[@]}" "${TEST_APT_PACKAGES[@]}" "${FUZZ_APT_PACKAGES[@]}"
    install_npm
    run_tests
    ;;
  fuzz)
    install_deps "${APT_PACKAGES[@]}" "${FUZZ_APT_PACKAGES[@]}"
    run_fuzz
    ;;
  cluster)
    install_deps "${APT_PACKAGES[@]}" curl
    install_npm
    build build
    run_cluster
    ;;
  *)
    echo "usage: $0 run [reeld options] | $0 test | $0 fuzz | $0 cluster" >&2
    exit 2
    ;;
esac
