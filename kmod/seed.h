/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_SEED_H
#define _TCPWATCH_SEED_H

#include <linux/compiler.h>
#include <linux/types.h>

struct sock_common;
struct tw_track;

/*
 * Count and track the TCP sockets that existed before the module loaded,
 * from the kernel's hash tables; returns how many were seeded. Call it once,
 * right after the probes go live.
 */
unsigned int tw_seed(void);
extern bool tw_seed_walking;

/* Whether tw_seed() has yet to finish its walk. */
static inline bool tw_seeding(void)
{
	return READ_ONCE(tw_seed_walking);
}

/*
 * Track and count @skc, an object of @kind older than the module, in
 * @state, unless it is tracked already: what the walk does for each socket
 * it finds, and what a probe does to claim one it meets, not at its birth,
 * before the walk reaches it (@state is then its old state). Its entry,
 * or NULL if no entry was free (it is counted all the same). Under
 * rcu_read_lock().
 */
struct tw_track *tw_seed_enter(const struct sock_common *skc, u8 kind, u8 state);
/* How many the last tw_seed() found, for status. */
unsigned int tw_seeded(void);
/* Of those, how many got no tracking entry (see seed.c). */
unsigned int tw_seeded_untracked(void);
/* When the walk began: seeded sockets are at least this old in their state. */
u64 tw_seeded_at_ns(void);

#endif
