#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The engine's vector and golden tests again, with the fast kernel variants
# this CPU offers and at 2 and 3 threads inside each invoke (the plain run
# in tests/run.sh covers the default selection at 1 thread): every variant
# must give LiteRT's bytes, whatever the thread count. Uses the release
# build (the ASan build runs the same code paths at 1 thread in the plain run).
set -u
top=${FS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
rel_tests="$(dirname "${FS_REL_BIN:-$top/build/bin}")/tests/nn"
fsnn="${FS_REL_BIN:-$top/build/bin}/fsnn"
model="$top/nn/models/rbc_m2unet_int8_1024.tflite"
status=0
for prog in test_op_vectors test_golden; do
  [ -x "$rel_tests/$prog" ] || { echo "FAIL variants/$prog: $rel_tests/$prog is not built"; exit 1; }
done
# Distinct selections: the reference, then each level of SIMD this CPU has.
sels="ref"; seen=""
for s in generic,avx2 generic,avx2,avxvnni auto generic,neon; do
  v=$("$fsnn" info "$model" --kernels "$s" | sed -n 's/.*2:CONV_2D=\([^ ]*\).*/\1/p')
  case " $seen " in *" $v "*) continue ;; esac
  [ -n "$v" ] && [ "$v" != ref ] && { sels="$sels $s"; seen="${seen:-} $v"; }
done
echo "# selections: $sels"
for sel in $sels; do
  for threads in 1 2 3; do
    [ "$sel" = ref ] && [ "$threads" = 1 ] && continue
    for prog in test_op_vectors test_golden; do
      out=$(FSNN_KERNELS=$sel FS_TEST_THREADS=$threads "$rel_tests/$prog" 2>&1); rc=$?
      nfail=$(grep -c '^FAIL' <<<"$out"); npass=$(grep -c '^PASS' <<<"$out")
      if [ "$rc" -ne 0 ] || [ "$nfail" -ne 0 ] || [ "$npass" -eq 0 ]; then
        echo "FAIL variants/$prog/$sel/t$threads: exit $rc, $nfail failed"
        grep '^FAIL' <<<"$out" | head -5 | sed 's/^/    /'
        status=1
      else
        echo "PASS variants/$prog/$sel/t$threads ($npass cases)"
      fi
    done
    out=$(FSNN_KERNELS=$sel FS_TEST_THREADS=$threads /usr/bin/python3 "$top/tests/tools/default_model_vectors.test.py" 2>&1); rc=$?
    if [ "$rc" -ne 0 ] || grep -q '^FAIL' <<<"$out"; then
      echo "FAIL variants/default_model_vectors/$sel/t$threads: exit $rc"; grep '^FAIL' <<<"$out" | head -3
      status=1
    else
      echo "PASS variants/default_model_vectors/$sel/t$threads"
    fi
  done
done
exit $status
