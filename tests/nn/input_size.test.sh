#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Whole-FOV inference at the engine level: a fully convolutional model
# loaded at another input size re-plans every shape and the arena, runs with
# the fast kernels giving the reference's bytes, and a size the graph cannot
# follow is refused naming the op.
set -u
top=${FS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
fsnn="${FS_BIN:-$top/build/bin}/fsnn"
model="$top/nn/models/rbc_m2unet_int8_1024.tflite"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS input_size/$1"; }
fail() { echo "FAIL input_size/$1: $2"; fails=$((fails + 1)); }

info=$("$fsnn" info "$model" --input-size 320x192 2>&1)
if grep -q 'image_u8 UINT8 \[1,320,192,1\]' <<<"$info" && grep -q 'prob_u8 UINT8 \[1,320,192,1\]' <<<"$info" \
   && grep -q '^runnable: yes' <<<"$info"; then pass shapes_replanned; else fail shapes_replanned "$(head -c 400 <<<"$info")"; fi

arena_small=$(sed -n 's/^arena: \([0-9]*\) bytes.*/\1/p' <<<"$info")
arena_file=$("$fsnn" info "$model" | sed -n 's/^arena: \([0-9]*\) bytes.*/\1/p')
if [ -n "$arena_small" ] && [ "$arena_small" -lt "$arena_file" ]; then pass arena_replanned
else fail arena_replanned "arena $arena_small at 320x192 vs $arena_file in the file"; fi

head -c $((320 * 192)) /dev/urandom >"$tmp/in.bin"
if "$fsnn" run "$model" "$tmp/in.bin" "$tmp/ref" --input-size 320x192 --kernels ref 2>"$tmp/err" &&
   "$fsnn" run "$model" "$tmp/in.bin" "$tmp/fast" --input-size 320x192 --threads 2 2>>"$tmp/err" &&
   [ "$(stat -c %s "$tmp/ref.0.bin")" = $((320 * 192)) ] && cmp -s "$tmp/ref.0.bin" "$tmp/fast.0.bin"; then
  pass fast_equals_ref_resized
else fail fast_equals_ref_resized "$(cat "$tmp/err")"; fi

if out=$("$fsnn" run "$model" "$tmp/in.bin" "$tmp/x" --input-size 100x100 2>&1); then
  fail refuses_unfollowable_size "ran at 100x100"
elif grep -q 'op [0-9]* (CONCATENATION)' <<<"$out"; then pass refuses_unfollowable_size
else fail refuses_unfollowable_size "message does not name the op: $out"; fi

if out=$("$fsnn" info "$model" --input-size 0x64 2>&1); then fail bad_size_is_usage_error "accepted 0x64"
elif grep -q 'input-size takes' <<<"$out"; then pass bad_size_is_usage_error
else fail bad_size_is_usage_error "$out"; fi
exit $((fails > 0))
