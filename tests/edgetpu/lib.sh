# SPDX-License-Identifier: BSD-3-Clause
# Shared by tests/edgetpu/*.test.sh: builds the Coral emulator (a stand-in
# libusb-1.0.so.0 from ../shared/coral-emulator) into the build folder once,
# and runs fsedgetpu against it.
emu_src="${FS_SHARED:-}/coral-emulator"
emu_dir="${FS_TOP:-.}/build/coral-emu"
golden="$emu_src/golden"
models="${FS_SHARED:-}/models/tflite"
tool="${FS_BIN:-build/asan/bin}/fsedgetpu"
py="${PYTHON:-/usr/bin/python3}"
emu_supp="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lsan.supp"

# Prints SKIP and exits when the emulator or its goldens are not there.
emu_require() {  # test-name
  if [ ! -f "$emu_src/fake_libusb.cc" ] || [ ! -d "$golden" ]; then
    echo "SKIP $1: no \$FS_SHARED/coral-emulator"; exit 0
  fi
  if [ ! -x "$tool" ]; then echo "FAIL $1: $tool not built"; exit 1; fi
  # Rebuild when the emulator source is newer than the library.
  if [ ! -f "$emu_dir/libusb-1.0.so.0" ] || [ "$emu_src/fake_libusb.cc" -nt "$emu_dir/libusb-1.0.so.0" ]; then
    mkdir -p "$emu_dir"
    # Two builds (two variants, parallel test runs) must not race on the file.
    ( flock 9; [ -f "$emu_dir/libusb-1.0.so.0" ] && [ ! "$emu_src/fake_libusb.cc" -nt "$emu_dir/libusb-1.0.so.0" ] ||
      sh "$emu_src/build.sh" "$emu_dir" >"$emu_dir/build.log" 2>&1 ) 9>"$emu_dir/.lock" ||
      { echo "FAIL $1: emulator build failed: $(tail -n 3 "$emu_dir/build.log")"; exit 1; }
  fi
}

# emu_run LOG SCRIPT START SPEED FAULT -- fsedgetpu args...
emu_run() {
  local log=$1 script=$2 start=$3 speed=$4 fault=$5; shift 6
  env LD_LIBRARY_PATH="$emu_dir" FAKE_ETPU_LOG="$log" FAKE_ETPU_SCRIPT="$script" \
      FAKE_ETPU_START="$start" FAKE_ETPU_SPEED="$speed" FAKE_ETPU_FAULT="$fault" \
      ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" LSAN_OPTIONS="suppressions=$emu_supp" "$tool" "$@"
}

# The dummy DFU image the goldens downloaded (emulator README):
# byte i = ((i*131 + 0x5a) ^ (i >> 8)) & 0xff, 10 783 bytes.
make_dummy_firmware() {  # path
  "$py" -c '
import sys
open(sys.argv[1], "wb").write(bytes((((i * 131 + 0x5a) ^ (i >> 8)) & 0xff) for i in range(10783)))
' "$1"
}
dummy_sha=927ed99396dd5c98eed3917d2ff2e06c4f7ebc4e0b8a623c6e631b6d56d8dae0
