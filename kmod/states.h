/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_STATES_H
#define _TCPWATCH_STATES_H

#include <linux/log2.h>
#include <linux/types.h>
#include <linux/tcpwatch.h>

const char *tw_state_name(unsigned int state);
const char *tw_sk_kind_name(unsigned int kind);
const char *tw_reason_name(unsigned int reason);

/* Log2 histogram bucket of a duration: [2^i, 2^(i+1)) ns, 0 in bucket 0. */
static inline unsigned int tw_dwell_bucket(u64 ns)
{
	return ns ? ilog2(ns) : 0;
}

#endif
