// SPDX-License-Identifier: GPL-2.0
/*
 * insncount: a QEMU TCG plugin (make bench) that counts the instructions
 * each vCPU executes, and prints the counts whenever the guest executes a
 * marker: the 8-byte NOP "nopl 0x5457TTTT(%rax,%rax,1)", T a 16-bit tag.
 * The difference between two markers is the exact number of guest
 * instructions between them: what -icount would give, without slowing the
 * guest's clock (Debian's QEMU 7.2 hangs Debian's 6.1 at boot with -icount).
 *
 * Output, one line per marker executed (QEMU's -d plugin log):
 *   insncount: tag T cpu C cpu_insns N all_insns M
 *
 * Written against the plugin API of QEMU 7.2 (API version 1), whose few
 * entry points it declares itself; QEMU ships no development header.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info_t;

enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };

typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);

#define EXPORT __attribute__((visibility("default")))

EXPORT int qemu_plugin_version = 1;

#define MAX_VCPUS 64
#define MARKER_SIZE 8

/*
 * Each vCPU thread adds to its own slot only; a marker sums them all, which
 * is exact for the vCPU that runs it and close enough for idle ones.
 */
static uint64_t insns[MAX_VCPUS];

static void tb_exec(unsigned int vcpu, void *n_insns)
{
	if (vcpu < MAX_VCPUS)
		insns[vcpu] += (uintptr_t)n_insns;
}

static void marker_exec(unsigned int vcpu, void *tag)
{
	uint64_t all = 0;
	char line[128];
	int i;

	if (vcpu >= MAX_VCPUS)
		return;
	for (i = 0; i < MAX_VCPUS; i++)
		all += __atomic_load_n(&insns[i], __ATOMIC_RELAXED);
	snprintf(line, sizeof(line), "insncount: tag %u cpu %u cpu_insns %" PRIu64 " all_insns %" PRIu64 "\n",
		 (unsigned int)(uintptr_t)tag, vcpu, insns[vcpu], all);
	qemu_plugin_outs(line);
}

/* nopl 0x5457TTTT(%rax,%rax,1): 0f 1f 84 00, then the disp32 TT TT 57 54. */
static bool is_marker(const struct qemu_plugin_insn *insn, unsigned int *tag)
{
	const uint8_t *b = qemu_plugin_insn_data(insn);

	if (qemu_plugin_insn_size(insn) != MARKER_SIZE ||
	    memcmp(b, "\x0f\x1f\x84\x00", 4) || b[6] != 0x57 || b[7] != 0x54)
		return false;
	*tag = b[4] | b[5] << 8;
	return true;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	unsigned int tag;

	(void)id;
	/* Counted when the block starts; a block left early is rare enough. */
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)n);
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (is_marker(insn, &tag))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, marker_exec, QEMU_PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)tag);
	}
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
			       char **argv)
{
	(void)info;
	(void)argv;
	if (argc) {
		fprintf(stderr, "insncount: takes no arguments\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
