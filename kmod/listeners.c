// SPDX-License-Identifier: GPL-2.0
/*
 * Listener queues read live. TCP sockets come from SLAB_TYPESAFE_BY_RCU
 * caches and listeners are SOCK_RCU_FREE (__inet_hash()), and a listener's
 * entry leaves the table in its LISTEN -> CLOSE transition, before the socket
 * can be freed: under rcu_read_lock(), an entry that is still in use after
 * the read proves the socket read was that listener.
 */
#include <linux/rcupdate.h>
#include <net/inet_connection_sock.h>
#include <net/tcp_states.h>

#include <linux/tcpwatch.h>

#include "listeners.h"

bool tw_listener_next(unsigned int *idx, struct tw_listener_view *v)
{
	for (; *idx < tw_track_max(); (*idx)++) {
		struct tw_track *live;
		const struct sock *sk;
		u32 gen;

		rcu_read_lock();
		live = tw_track_at(*idx);
		if (!live || READ_ONCE(live->state) != TCP_LISTEN ||
		    live->kind != TCPWATCH_SK_FULL || !tw_track_snapshot(*idx, &v->t)) {
			rcu_read_unlock();
			continue;
		}
		gen = v->t.gen;
		sk = v->t.key;
		v->syn_queue = inet_csk_reqsk_queue_len(sk);
		v->accept_queue = READ_ONCE(sk->sk_ack_backlog);
		v->backlog = READ_ONCE(sk->sk_max_ack_backlog);
		/* The socket was read before gen is re-read. */
		smp_rmb();
		if (READ_ONCE(live->gen) != gen || READ_ONCE(live->state) != TCP_LISTEN) {
			rcu_read_unlock();
			continue;
		}
		rcu_read_unlock();
		return true;
	}
	return false;
}
