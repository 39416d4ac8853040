// SPDX-License-Identifier: GPL-2.0
/* Stuck sockets: selection, order, owners, and tcpwatchd's rate-limited logs. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "daemonlog.h"
#include "leaks.h"
#include "tap.h"

#define S(x) ((uint64_t)(x) * 1000000000ull)

static struct tw_event sock(uint64_t cookie, uint8_t state, uint64_t age_ns,
			    uint32_t pid, const char *comm)
{
	struct tw_event e = {
		.cookie = cookie, .new_state = state, .age_ns = age_ns, .pid = pid,
		.netns = 1, .t = { .family = AF_INET, .sport = 8080, .dport = 40000 + cookie },
	};

	snprintf(e.comm, sizeof(e.comm), "%s", comm);
	inet_pton(AF_INET, "127.0.0.1", e.t.saddr);
	inet_pton(AF_INET, "127.0.0.1", e.t.daddr);
	return e;
}

static struct tw_sockets sample(void)
{
	struct tw_event v[] = {
		sock(1, TCPWATCH_CLOSE_WAIT, S(90), 1234, "nginx"),
		sock(2, TCPWATCH_ESTABLISHED, S(9000), 1234, "nginx"),
		sock(3, TCPWATCH_CLOSE_WAIT, S(303), 1234, "nginx"),
		sock(4, TCPWATCH_FIN_WAIT2, S(61), 0, ""),
		sock(5, TCPWATCH_CLOSE_WAIT, S(59), 1234, "nginx"),
		sock(6, TCPWATCH_LAST_ACK, S(120), 77, "java"),
		sock(7, TCPWATCH_CLOSE_WAIT, S(120), 1234, "nginx"),
		sock(8, TCPWATCH_LAST_ACK, S(303), 1234, "nginx"),
	};
	struct tw_sockets s = { .v = malloc(sizeof(v)), .n = 8, .cap = 8 };

	memcpy(s.v, v, sizeof(v));
	return s;
}

static void test_select(void)
{
	struct tw_sockets s = sample();
	struct tw_filter f = { .states = LEAK_STATES_DEFAULT };
	bool order = true;
	size_t i;

	leaks_select(&s, &f, S(60));
	CHECK(s.n == 6, "leaks: ESTABLISHED and the 59 s one left out (%zu left)", s.n);
	for (i = 1; i < s.n; i++)
		if (s.v[i].age_ns > s.v[i - 1].age_ns)
			order = false;
	CHECK(order && s.v[0].cookie == 3 && s.v[1].cookie == 8 && s.v[2].cookie == 6 &&
	      s.v[3].cookie == 7, "leaks: oldest first, equal ages by cookie");
	tw_sockets_free(&s);

	s = sample();
	leaks_select(&s, &f, 0);
	CHECK(s.n == 7, "leaks: threshold 0 keeps every stuck socket");
	tw_sockets_free(&s);

	s = sample();
	f.states = TW_STATE_BIT(TCPWATCH_ESTABLISHED);
	leaks_select(&s, &f, S(3600));
	CHECK(s.n == 1 && s.v[0].cookie == 2, "leaks: --state replaces the default set");
	tw_sockets_free(&s);

	s = (struct tw_sockets){};
	leaks_select(&s, &f, 0);
	CHECK(s.n == 0, "leaks: empty dump");
}

static void test_owners(void)
{
	struct tw_sockets s = sample();
	struct tw_filter f = { .states = LEAK_STATES_DEFAULT };
	struct leak_owner *o;
	char line[256];
	long n;

	leaks_select(&s, &f, S(60));
	n = leaks_owners(s.v, s.n, &o);
	CHECK(n == 3, "leak owners: three (nginx, java, unknown)");
	if (n == 3) {
		CHECK(o[0].pid == 1234 && o[0].total == 4 && o[0].count[TCPWATCH_CLOSE_WAIT] == 3 &&
		      o[0].oldest_ns == S(303), "leak owners: most sockets first, counts, oldest");
		CHECK(o[1].pid == 77 && o[2].pid == 0, "leak owners: ties by the oldest socket");
		leak_owner_format(&o[0], line, sizeof(line));
		tap_streq(line, "pid 1234 (nginx): 3 CLOSE_WAIT + 1 LAST_ACK sockets, oldest 5m03s",
			  "leak owner line: several states");
		leak_owner_format(&o[1], line, sizeof(line));
		tap_streq(line, "pid 77 (java): 1 LAST_ACK socket, oldest 2m00s",
			  "leak owner line: one socket");
		leak_owner_format(&o[2], line, sizeof(line));
		tap_streq(line, "unknown owner: 1 FIN_WAIT2 socket, oldest 1m01s",
			  "leak owner line: unknown owner");
		leak_owner_format(&o[0], line, 20);
		CHECK(strlen(line) == 19, "leak owner line: truncated to the buffer");
	}
	free(o);
	n = leaks_owners(s.v, 0, &o);
	CHECK(n == 0, "leak owners: none");
	free(o);
	tw_sockets_free(&s);
}

static unsigned int lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_leaklog(void)
{
	struct tw_sockets s = sample(), big = {};
	struct tw_filter f = { .states = LEAK_STATES_DAEMON };
	struct leaklog l = {};
	struct capture c;
	const char *out;
	size_t i;

	leaks_select(&s, &f, S(60));
	CHECK(!leaklog_scan(&l, capture_begin(&c), &s), "leak log: first scan");
	out = capture_end(&c);
	CHECK(strstr(out, "tcpwatchd: leak: full socket in CLOSE_WAIT for 5m03s, "
		     "127.0.0.1:8080 -> 127.0.0.1:40003 (pid 1234 nginx), cookie 3\n") &&
	      strstr(out, "tcpwatchd: pid 1234 (nginx): 3 CLOSE_WAIT + 1 LAST_ACK sockets, "
		     "oldest 5m03s\n") &&
	      strstr(out, "(owner unknown), cookie 4\n") && lines(out) == 9,
	      "leak log: a line per socket, then per owner");
	capture_free(&c);

	CHECK(!leaklog_scan(&l, capture_begin(&c), &s), "leak log: second scan");
	out = capture_end(&c);
	tap_streq(out, "", "leak log: a socket is logged once");
	capture_free(&c);

	s.v[0] = sock(99, TCPWATCH_CLOSE_WAIT, S(1000), 77, "java");
	leaklog_scan(&l, capture_begin(&c), &s);
	out = capture_end(&c);
	CHECK(strstr(out, "cookie 99\n") && strstr(out, "pid 77 (java):") &&
	      !strstr(out, "nginx") && lines(out) == 2,
	      "leak log: only the new socket and its owner's summary");
	capture_free(&c);

	s.n = 0;
	leaklog_scan(&l, capture_begin(&c), &s);
	capture_end(&c);
	capture_free(&c);
	CHECK(l.n_seen == 0, "leak log: sockets no longer leaking are forgotten");

	big.v = calloc(LEAKLOG_MAX_LINES + 5, sizeof(*big.v));
	for (i = 0; i < LEAKLOG_MAX_LINES + 5; i++)
		big.v[big.n++] = sock(1000 + i, TCPWATCH_CLOSE_WAIT, S(100), 5, "leaky");
	leaklog_scan(&l, capture_begin(&c), &big);
	out = capture_end(&c);
	CHECK(strstr(out, "tcpwatchd: leak: 5 more sockets not shown") &&
	      lines(out) == LEAKLOG_MAX_LINES + 2, "leak log: lines per scan are bounded");
	capture_free(&c);
	free(big.v);
	leaklog_free(&l);
	tw_sockets_free(&s);
}

static struct tw_listener listener(uint64_t cookie, uint64_t overflows, uint64_t syn_drops)
{
	struct tw_listener ls = {
		.cookie = cookie, .netns = 1, .netns_cookie = 1, .family = AF_INET,
		.port = 8080, .pid = 12, .comm = "nginx", .syn_queue = 3, .accept_queue = 129,
		.backlog = 128, .overflows = overflows, .syn_drops = syn_drops,
	};

	inet_pton(AF_INET, "127.0.0.1", ls.addr);
	return ls;
}

/* One dump of @n listeners at @now_ns; what it logged. */
static const char *scan(struct listenlog *l, struct capture *c, struct tw_listener *v,
			size_t n, uint64_t now_ns)
{
	struct tw_listeners ls = { .v = v, .n = n, .cap = n };

	CHECK(!listenlog_scan(l, capture_begin(c), &ls, now_ns), "listener log: scanned");
	return capture_end(c);
}

static void test_listenlog_delta(void)
{
	CHECK(listenlog_delta(5, 9) == 4 && listenlog_delta(9, 9) == 0 &&
	      listenlog_delta(0, 7) == 7, "listener delta: what the counter grew by");
	CHECK(listenlog_delta(9, 3) == 3 && listenlog_delta(UINT64_MAX, 0) == 0,
	      "listener delta: a counter that went down restarted at 0, never negative");
}

static void test_listenlog(void)
{
	struct tw_listener v[3];
	struct listenlog l;
	struct capture c;

	listenlog_init(&l);
	v[0] = listener(42, 7, 0);
	tap_streq(scan(&l, &c, v, 1, S(100)), "",
		  "listener log: the first dump is the baseline, what came before is not logged");
	capture_free(&c);
	v[0] = listener(42, 44, 0);
	tap_streq(scan(&l, &c, v, 1, S(115)),
		  "tcpwatchd: listener 127.0.0.1:8080 (pid 12 nginx) accept queue overflowed "
		  "37 times in the last 15.00s (queue 129/128)\n",
		  "listener log: the growth since the last dump, in one line");
	capture_free(&c);
	tap_streq(scan(&l, &c, v, 1, S(130)), "", "listener log: nothing new, no line");
	capture_free(&c);

	v[0] = listener(42, 45, 0);
	v[0].comm[0] = '\x1b';
	v[1] = listener(43, 0, 1);
	v[1].port = 8081;
	tap_streq(scan(&l, &c, v, 2, S(145)),
		  "tcpwatchd: listener 127.0.0.1:8080 (pid 12 ?ginx) accept queue overflowed "
		  "1 time in the last 15.00s (queue 129/128)\n"
		  "tcpwatchd: listener 127.0.0.1:8081 (pid 12 nginx) dropped 1 SYN in the last "
		  "15.00s (SYN queue 3/128)\n",
		  "listener log: a new listener counts from 0, comm made printable");
	capture_free(&c);

	/* 42 closed; 43 both; 44 new and quiet; another order than before. */
	v[0] = listener(44, 0, 0);
	v[1] = listener(43, 2, 3);
	v[1].port = 8081;
	tap_streq(scan(&l, &c, v, 2, S(160)),
		  "tcpwatchd: listener 127.0.0.1:8081 (pid 12 nginx) accept queue overflowed "
		  "2 times and dropped 2 SYNs in the last 15.00s (accept queue 129/128, "
		  "SYN queue 3)\n",
		  "listener log: both kinds in one line; gone and quiet listeners say nothing");
	capture_free(&c);

	/* 43's counters restarted (its entry was tracked anew): no huge delta. */
	v[1].overflows = 1;
	v[1].syn_drops = 3;
	v[0] = listener(42, 5, 0);	/* back, with the same cookie */
	tap_streq(scan(&l, &c, v, 2, S(175)),
		  "tcpwatchd: listener 127.0.0.1:8080 (pid 12 nginx) accept queue overflowed "
		  "5 times in the last 15.00s (queue 129/128)\n"
		  "tcpwatchd: listener 127.0.0.1:8081 (pid 12 nginx) accept queue overflowed "
		  "1 time in the last 15.00s (queue 129/128)\n",
		  "listener log: a counter that went down counts from 0; a listener gone and "
		  "back counts in full");
	capture_free(&c);

	/* A reloaded module: all counters restart, the next dump counts from 0. */
	listenlog_restart(&l, S(180));
	v[0].overflows = 2;
	v[1].overflows = 0;
	v[1].syn_drops = 0;
	tap_streq(scan(&l, &c, v, 2, S(190)),
		  "tcpwatchd: listener 127.0.0.1:8080 (pid 12 nginx) accept queue overflowed "
		  "2 times in the last 10.00s (queue 129/128)\n",
		  "listener log: after a reload, counts since the module came back");
	capture_free(&c);
	listenlog_free(&l);

	/*
	 * No socket cookie: the listener is its namespace and address. Two
	 * namespaces that had the same inode are two listeners.
	 */
	listenlog_init(&l);
	v[0] = listener(0, 1, 0);
	v[0].netns_cookie = 9;
	scan(&l, &c, v, 1, S(1));
	capture_free(&c);
	v[0].netns_cookie = 20;
	v[1] = listener(0, 1, 0);
	v[1].netns_cookie = 9;
	v[2] = listener(0, 0, 0);
	v[2].netns_cookie = 9;
	v[2].family = AF_INET6;
	CHECK(lines(scan(&l, &c, v, 3, S(2))) == 1 && strstr(c.buf, "overflowed 1 time "),
	      "listener log: same inode and address, another namespace cookie: another listener");
	capture_free(&c);
	listenlog_free(&l);
}

void test_leaks(void)
{
	test_select();
	test_owners();
	test_leaklog();
	test_listenlog_delta();
	test_listenlog();
}
