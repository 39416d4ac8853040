# SPDX-License-Identifier: GPL-2.0
#
# tcpwatch top level. `make` builds the module and the userspace tools;
# `make demo` and `make check` install what they need, boot Debian's kernel
# in QEMU and run there (never in the host kernel).

PREFIX ?= /usr/local
FLAVOUR ?= generic
# The kernel series: KERNEL=6.1 (Debian 12's own) or KERNEL=6.12, with
# FLAVOUR=generic|rt. `make` builds the module for the running kernel when
# its headers exist, otherwise for the newest 6.1 (kmod/Makefile), and says
# which; check, demo, bench and deps work on 6.1 unless KERNEL names 6.12.
# A newer series installed is never picked without being named.
KERNEL_SERIES := $(or $(KERNEL),6.1)
# make check runs the VM suite on both of Debian's kernels, generic and
# PREEMPT_RT, unless FLAVOUR names one.
CHECK_FLAVOUR := $(if $(filter command line environment,$(origin FLAVOUR)),$(FLAVOUR),all)

all: module userspace tests

deps:
	@KERNEL="$(KERNEL_SERIES)" WITH_RT=$(if $(filter rt all,$(FLAVOUR)),1,0) scripts/install-deps.sh

module:
	$(MAKE) -C kmod

module-debug:
	$(MAKE) -C kmod module-debug

userspace:
	$(MAKE) -C userspace

tests:
	$(MAKE) -C tests

# make check (what CI runs, about an hour on a 2-core machine): make demo,
# the unit tests, the whole VM suite on 6.1 and on 6.12 generic (two VMs
# side by side), the files below on 6.1's PREEMPT_RT kernel and on the
# debug kernel. KERNEL=6.1 or 6.12 checks that series alone. make
# check-all: every file on every kernel, the KCSAN kernel and the
# planted-bug proof too. The choice of files and its timings:
# tests/vm/README.md.
CHECK_RT_TESTS ?= 10-smoke 20-lifecycle 40-churn 60-reload 70-overflow 80-request-ends
CHECK_DEBUG_TESTS ?= 10-smoke 40-churn 50-consumers 60-reload 70-overflow \
	77-netlink-netns 87-fuzz
# ...and without 60-reload's 100 reloads under full load (about 30 s each;
# under churn on every CPU tcpwatchd falls more than 30 s behind and the
# test fails: issue 10/18), and on the slower kernels 5 of its 20 plain
# reloads and a quarter of the fuzzer's messages.
CHECK_ENV ?= RELOAD_FULL_ITERATIONS=0
CHECK_LANE_ENV ?= RELOAD_ITERATIONS=5 RELOAD_FULL_ITERATIONS=0 FUZZ_MESSAGES=25000
CHECK_LANES := $(if $(filter all,$(CHECK_FLAVOUR)),--rt-tests "$(CHECK_RT_TESTS)" \
	--debug "$(CHECK_DEBUG_TESTS)" --lane-env "$(CHECK_LANE_ENV)")
# 6.12 has no debug lane of its own (the debug kernels are 6.1's).
CHECK_LANES_612 := $(if $(filter all,$(CHECK_FLAVOUR)),--rt-tests "$(CHECK_RT_TESTS)" \
	--lane-env "$(CHECK_LANE_ENV)")

CHECK_KERNELS := $(or $(KERNEL),6.1 6.12)

check:
	$(MAKE) deps FLAVOUR=$(CHECK_FLAVOUR) KERNEL="$(CHECK_KERNELS)"
	env $(CHECK_ENV) scripts/run-checks.sh --demo --kernel $(KERNEL_SERIES) \
		$(if $(KERNEL),,--beside 6.12) --flavour $(CHECK_FLAVOUR) \
		$(if $(filter 6.1,$(KERNEL_SERIES)),$(CHECK_LANES),$(CHECK_LANES_612))

# Every lane: 6.1 and 6.12, generic and PREEMPT_RT, every file, then 6.1's
# debug kernels (built from linux-source-6.1). Results of 6.12's lanes go
# to build/checks-6.12/.
check-all:
	$(MAKE) deps FLAVOUR=all KERNEL="6.1 6.12"
	scripts/run-checks.sh --kernel 6.12 --flavour all; s612=$$?; \
	scripts/run-checks.sh --kernel 6.1 --flavour all --debug all --debug-full && [ $$s612 -eq 0 ]

# The debug-kernel lane (opt-in): a KASAN+lockdep+kmemleak kernel built from
# Debian's linux-source-6.1 (cached under build/debug-kernel/), the planted-
# bug proof, then the VM suite on it. DEBUG_TESTS="40-churn 60-reload" names
# a subset; DEBUG_KCSAN=1 adds the KCSAN kernel.
check-debug:
	$(MAKE) deps KERNEL=6.1
	scripts/check-debug.sh $(if $(DEBUG_KCSAN),--kcsan) $(DEBUG_TESTS)

# The VM runs what userspace/ and tests/ build (vm-run.sh builds only the
# module, for the kernel it boots).
demo: deps
	$(MAKE) userspace tests
	scripts/demo.sh --kernel $(KERNEL_SERIES) --flavour $(FLAVOUR)

# make bench: every arm (no tracing, the floor, tcpwatch with and without
# tcpwatchd, bpftrace) on every workload in one VM boot, results in
# build/bench.{txt,json}; BENCH_ARGS="--wall" or "--stages": scripts/bench.sh.
# Then tcpwatch at scale (loaded over 10 000 and 100 000 sockets) in a boot
# of its own: build/bench-scale.{txt,json}; BENCH_SCALE_ARGS='--sizes "0 1000"'.
bench:
	@KERNEL="$(KERNEL_SERIES)" WITH_RT=$(if $(filter rt,$(FLAVOUR)),1,0) WITH_BPFTRACE=1 scripts/install-deps.sh
	scripts/bench.sh --kernel $(KERNEL_SERIES) --flavour $(FLAVOUR) $(BENCH_ARGS)
	scripts/bench.sh --kernel $(KERNEL_SERIES) --flavour $(FLAVOUR) --scale $(BENCH_SCALE_ARGS)

style:
	$(MAKE) -C kmod style

# The module into /lib/modules/RELEASE/updates with depmod; the programs,
# man pages, systemd unit, modules-load.d and tmpfiles.d snippets, alert
# rules and dashboard under PREFIX. DESTDIR stages it all; uninstall takes
# away exactly that. Then: systemctl daemon-reload && systemctl enable
# --now tcpwatchd (Documentation/install.md).
install: module userspace
	$(MAKE) -C kmod install DESTDIR=$(DESTDIR)
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

uninstall:
	$(MAKE) -C kmod uninstall DESTDIR=$(DESTDIR)
	$(MAKE) -C userspace uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# DKMS instead of the module above: its sources in /usr/src/tcpwatch-VERSION
# (DESTDIR honoured), built and installed for the kernel `make` builds for
# (KERNEL=, KDIR=) and rebuilt by DKMS for every kernel installed later.
# DKMS_ARGS: more dkms options (scripts/check-install.sh stages it all).
DKMS_VERSION := $(shell git describe --always --dirty 2>/dev/null | tr -c '[:alnum:].+~\n' '.' || echo 0.1)
DKMS_SRC = $(DESTDIR)/usr/src/tcpwatch-$(DKMS_VERSION)
DKMS_KERNEL = $(shell $(MAKE) -s --no-print-directory -C kmod print-release)

dkms-install:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -r kmod/Kbuild kmod/Makefile kmod/*.c kmod/*.h kmod/include $(DKMS_SRC)/
	sed 's/@VERSION@/$(DKMS_VERSION)/' kmod/dkms.conf >$(DKMS_SRC)/dkms.conf
	dkms $(DKMS_ARGS) add -m tcpwatch -v $(DKMS_VERSION)
	dkms $(DKMS_ARGS) build -m tcpwatch -v $(DKMS_VERSION) -k $(DKMS_KERNEL)
	dkms $(DKMS_ARGS) install -m tcpwatch -v $(DKMS_VERSION) -k $(DKMS_KERNEL)

dkms-uninstall:
	dkms $(DKMS_ARGS) remove -m tcpwatch -v $(DKMS_VERSION) --all
	rm -rf $(DKMS_SRC)

clean:
	$(MAKE) -C kmod clean
	$(MAKE) -C userspace clean
	$(MAKE) -C tests clean
	rm -rf build

.PHONY: all deps module module-debug userspace tests check check-all check-debug demo bench style install uninstall dkms-install dkms-uninstall clean
