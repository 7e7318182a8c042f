# Documentation checks: every meldpunt.conf key of lib/daemon/conf.c in
# meldpunt.conf(5), every installed program with a man page.
TESTS += tests/unit/docs-keys.sh
dist_check_SCRIPTS += tests/unit/docs-keys.sh

# The operations runbook (linked from the README).
EXTRA_DIST += docs/OPERATIONS.md

# The documented install blocks that tests/e2e/t-install.sh runs exist.
TESTS += tests/unit/docs-install.sh
dist_check_SCRIPTS += tests/unit/docs-install.sh

# The architecture page (linked from the README) and its folder-level
# agreement with the tree.
EXTRA_DIST += docs/ARCHITECTURE.md
TESTS += tests/unit/docs-arch.sh
dist_check_SCRIPTS += tests/unit/docs-arch.sh
