/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between kernel versions lives here; this header is
 * force-included into every file by Kbuild. tcpwatch targets 6.1 (Debian 12).
 */
#ifndef _TCPWATCH_COMPAT_H
#define _TCPWATCH_COMPAT_H

#include <asm/bitsperlong.h>

/*
 * Per-CPU u64 counters are read from other CPUs without u64_stats_sync;
 * that is only tear-free where a u64 is one machine word.
 */
#if BITS_PER_LONG != 64
#error "tcpwatch needs a 64-bit kernel"
#endif

/* A dump request's attributes; 6.2 moved them to genl_dumpit_info(cb)->info. */
#define tw_dumpit_attrs(cb)	(genl_dumpit_info(cb)->attrs)

#endif /* _TCPWATCH_COMPAT_H */
