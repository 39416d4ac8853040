/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_PARAMS_H
#define _TCPWATCH_PARAMS_H

#include <linux/types.h>

/* An unsigned module parameter and the range insmod accepts for it. */
struct tw_uint_param {
	unsigned int value;
	unsigned int min;
	unsigned int max;
	bool pow2;
};

/* Validated when the module loads; read-only after. */
extern struct tw_uint_param tw_ring_size;	/* records per CPU */
extern struct tw_uint_param tw_max_tracked;	/* tracked-socket pool */
extern struct tw_uint_param tw_drain_ms;	/* ring drain interval */
extern bool tw_lifecycle;			/* attach the kprobes too */

#endif
