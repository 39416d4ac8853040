/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_PARAMS_H
#define _TCPWATCH_PARAMS_H

/* Module parameters, validated when the module loads; read-only after. */
extern unsigned int tw_ring_size;	/* records per CPU, power of two */
extern unsigned int tw_max_tracked;	/* tracked-socket pool size */
extern unsigned int tw_drain_ms;	/* ring drain interval */

#endif
