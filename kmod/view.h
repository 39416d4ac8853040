/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPWATCH_VIEW_H
#define _TCPWATCH_VIEW_H

#include <linux/types.h>
#include <net/net_namespace.h>

/*
 * What one reader may see (Documentation/security.md): the namespace it
 * reads from, or, if it reads from init_net with CAP_NET_ADMIN in the
 * initial user namespace, every namespace. Namespaces are told apart by
 * net_cookie, which the kernel never reuses; inode numbers are for people.
 */
struct tw_view {
	const struct net *net;		/* the reader's namespace */
	u64 only_cookie;		/* narrowed to one namespace, or 0 */
	u32 only_inum;			/* the same by inode number, or 0 */
	bool all;			/* may see every namespace */
	bool admin;			/* CAP_NET_ADMIN over its own one */
};

/* Whether @view shows what happened in the namespace @cookie (@inum). */
static inline bool tw_view_sees(const struct tw_view *view, u64 cookie, u32 inum)
{
	if (!view->all && cookie != view->net->net_cookie)
		return false;
	if (view->only_cookie && cookie != view->only_cookie)
		return false;
	return !view->only_inum || inum == view->only_inum;
}

#endif
