# SPDX-License-Identifier: BSD-3-Clause
# tools/: developer tooling. Nothing here is built by `make all` or needed
# by `make test`; the generated vectors are committed.
#
#   make vectors   regenerate tests/vectors/ops/ (single-op models + oracle
#                  outputs). Needs Node 20 + npm (apt-get install nodejs npm)
#                  and, the first time, network access to the npm registry
#                  for @litertjs/core 2.5.3 (see tools/oracle/).
.PHONY: vectors oracle-setup

ORACLE_STAMP := tools/oracle/node_modules/.package-lock.json

# npm writes node_modules/.package-lock.json on every install: a cheap stamp.
$(ORACLE_STAMP): tools/oracle/package.json tools/oracle/package-lock.json
	tools/oracle/setup.sh

oracle-setup: $(ORACLE_STAMP)

vectors: $(ORACLE_STAMP)
	$(PYTHON) tools/gen_op_vectors.py

# Model tooling (tools/fsmodel) adds its Debian packages.
-include tools/fsmodel/module.mk
