# tools/fsmodel: model tooling (Python; nothing to compile). Its tests in
# tests/tools/ need these Debian packages.
DEPS_TEST_PACKAGES += python3-torch python3-numpy python3-scipy python3-pil python3-onnx \
                 python3-flatbuffers
