#!/bin/sh
# Runs one libFuzzer harness for the `fuzz` suite (tests/fuzz/meson.build):
#
#   run-fuzzer.sh HARNESS SECONDS CORPUS_DIR WORK_DIR [libFuzzer flags...]
#
# The committed corpus is read but never written: what the fuzzer finds new
# goes to WORK_DIR/corpus, a crash or leak input to WORK_DIR/ (crash-*,
# leak-*, timeout-*), and the run fails.
set -eu
harness=$1 seconds=$2 corpus=$3 work=$4
shift 4
mkdir -p "$work/corpus"
# -timeout: one input taking seconds is a hang (every parser here is linear).
# -rss_limit_mb: an input that makes a parser allocate gigabytes is a finding.
# -error_exitcode=1: libFuzzer's default, 77, is what meson reads as "skipped".
exec "$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -error_exitcode=1 -artifact_prefix="$work/" "$@" "$work/corpus" "$corpus"
