// SPDX-License-Identifier: GPL-2.0
#include "seqtrack.h"
#include "tap.h"

static struct tw_event lost_marker(uint32_t cpu, uint64_t first, uint64_t count)
{
	struct tw_event ev = {
		.present = 1u << TCPWATCH_A_EV_TYPE | 1u << TCPWATCH_A_EV_SEQ |
			   1u << TCPWATCH_A_EV_CPU | 1u << TCPWATCH_A_EV_LOST,
		.type = TCPWATCH_EV_LOST, .cpu = cpu, .seq = first, .lost = count,
	};

	return ev;
}

static bool totals_are(struct seqtrack *st, uint64_t kernel, uint64_t netlink)
{
	struct seqtrack_totals t;

	seqtrack_totals(st, &t);
	return t.by_kernel == kernel && t.by_netlink == netlink &&
	       t.missed == kernel + netlink;
}

void test_seqtrack(void)
{
	struct seqtrack st;
	struct tw_event ev;
	int i;

	seqtrack_init(&st);
	CHECK(seqtrack_see(&st, 0, 100) == 1, "seqtrack: first seq is a baseline");
	for (i = 101; i <= 105; i++)
		seqtrack_see(&st, 0, i);
	CHECK(totals_are(&st, 0, 0), "seqtrack: consecutive seqs, no gap");

	CHECK(seqtrack_see(&st, 0, 105) == 0, "seqtrack: repeated seq is a duplicate");
	CHECK(seqtrack_see(&st, 0, 50) == 0, "seqtrack: older seq is a duplicate");
	CHECK(seqtrack_see(&st, 0, 109) == 1, "seqtrack: jump accepted");
	CHECK(totals_are(&st, 0, 3), "seqtrack: 106..108 missed, no marker -> netlink");

	/* CPU 3: records 0, 1; the kernel lost 2..6; record 7. */
	CHECK(seqtrack_see(&st, 3, 0) == 1 && seqtrack_see(&st, 3, 1) == 1,
	      "seqtrack: second cpu");
	ev = lost_marker(3, 2, 5);
	CHECK(seqtrack_event(&st, &ev) == 1, "seqtrack: loss marker is news");
	CHECK(seqtrack_see(&st, 3, 7) == 1, "seqtrack: the record after the loss");
	CHECK(totals_are(&st, 5, 3), "seqtrack: marker explains its range exactly");
	CHECK(seqtrack_event(&st, &ev) == 0 && totals_are(&st, 5, 3),
	      "seqtrack: the same marker again (history + live) is a duplicate");

	/* We also missed the marker's neighbours: 8, 9 by netlink, 10..11 by kernel. */
	ev = lost_marker(3, 10, 2);
	CHECK(seqtrack_event(&st, &ev) == 1 && seqtrack_see(&st, 3, 12) == 1 &&
	      totals_are(&st, 7, 5), "seqtrack: netlink gap before a kernel gap");

	/* A marker overlapping what we already have counts only the rest. */
	seqtrack_see(&st, 3, 13);
	ev = lost_marker(3, 13, 3);
	CHECK(seqtrack_event(&st, &ev) == 1 && totals_are(&st, 9, 5),
	      "seqtrack: overlapping marker counts only the new part");

	ev = lost_marker(5, 40, 8);
	CHECK(seqtrack_event(&st, &ev) == 1 && seqtrack_see(&st, 5, 48) == 1 &&
	      totals_are(&st, 17, 5), "seqtrack: marker first on a cpu is kernel loss");

	ev.present &= ~(1u << TCPWATCH_A_EV_SEQ);
	CHECK(seqtrack_event(&st, &ev) == 1, "seqtrack: events without seq pass");
	CHECK(seqtrack_see(&st, SEQTRACK_MAX_CPUS, 1) < 0, "seqtrack: absurd cpu refused");
	seqtrack_reset(&st);
	CHECK(totals_are(&st, 0, 0) && seqtrack_see(&st, 0, 1) == 1, "seqtrack: reset forgets");
	seqtrack_free(&st);
}
