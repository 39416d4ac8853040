# SPDX-License-Identifier: GPL-2.0
#
# tcpwatch top level. `make` builds the module and the userspace tools;
# `make demo` and `make check` install what they need, boot Debian's kernel
# in QEMU and run there (never in the host kernel).

PREFIX ?= /usr/local
FLAVOUR ?= generic
# make check runs the VM suite on both of Debian's kernels, generic and
# PREEMPT_RT, unless FLAVOUR names one.
CHECK_FLAVOUR := $(if $(filter command line environment,$(origin FLAVOUR)),$(FLAVOUR),all)

all: module userspace tests

deps:
	@WITH_RT=$(if $(filter rt all,$(FLAVOUR)),1,0) scripts/install-deps.sh

module:
	$(MAKE) -C kmod

module-debug:
	$(MAKE) -C kmod module-debug

userspace:
	$(MAKE) -C userspace

tests:
	$(MAKE) -C tests

check:
	$(MAKE) deps FLAVOUR=$(CHECK_FLAVOUR)
	scripts/run-checks.sh --flavour $(CHECK_FLAVOUR)

# The debug-kernel lane (opt-in): a KASAN+lockdep+kmemleak kernel built from
# Debian's linux-source-6.1 (cached under build/debug-kernel/), the planted-
# bug proof, then the VM suite on it. DEBUG_TESTS="40-churn 60-reload" names
# a subset; DEBUG_KCSAN=1 adds the KCSAN kernel.
check-debug: deps
	scripts/check-debug.sh $(if $(DEBUG_KCSAN),--kcsan) $(DEBUG_TESTS)

demo: deps
	scripts/demo.sh --flavour $(FLAVOUR)

bench: deps
	scripts/bench.sh --flavour $(FLAVOUR)

style:
	$(MAKE) -C kmod style

install: module userspace
	$(MAKE) -C kmod install
	$(MAKE) -C userspace install PREFIX=$(PREFIX)

clean:
	$(MAKE) -C kmod clean
	$(MAKE) -C userspace clean
	$(MAKE) -C tests clean
	rm -rf build

.PHONY: all deps module module-debug userspace tests check check-debug demo bench style install clean
