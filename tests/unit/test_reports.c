// SPDX-License-Identifier: GPL-2.0
/*
 * The printed forms of listeners, leaks, dwell, timewait and of overflow
 * events: exact text where layout matters, valid JSON for hostile input.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "format.h"
#include "event_out.h"
#include "hist.h"
#include "leaks.h"
#include "tap.h"

/* Every byte class a task name can hold: quotes, escapes, control, bad UTF-8. */
#define HOSTILE_COMM "\"\\\n\x1b[2J\xff\xc3\x28\x7f\xe2\x82"

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static size_t widest_line(const char *s)
{
	size_t widest = 0, n;

	while (*s) {
		n = strcspn(s, "\n");
		if (n > widest)
			widest = n;
		s += n + !!s[n];
	}
	return widest;
}

/* Print with @fn into a string, check it is one valid JSON line. */
#define CHECK_JSON(name, call)							\
	do {									\
		struct capture c_;						\
		FILE *f = capture_begin(&c_);					\
		const char *o_;							\
		call;								\
		o_ = capture_end(&c_);						\
		CHECK(json_valid(o_, strlen(o_)) && strchr(o_, '\n') == o_ + strlen(o_) - 1, \
		      "%s json: valid, one line", name);			\
		capture_free(&c_);						\
	} while (0)

static struct tw_listener listener(void)
{
	struct tw_listener l = {
		.netns = 4026531840u, .netns_cookie = 1, .family = AF_INET, .port = 80,
		.syn_queue = 1,
		.syn_queue_peak = 9, .accept_queue = 2, .accept_queue_peak = 129,
		.backlog = 128, .overflows = 5, .syn_drops = 6, .syncookies = 1234567,
		.synack_retrans = 3, .pid = 99, .comm = "nginx", .cookie = 77,
	};

	return l;
}

static void test_listeners_out(void)
{
	struct tw_listener l[2] = { listener(), listener() };
	struct tw_listeners ls = { .v = l, .n = 2 }, none = {};
	struct capture c;
	const char *out;

	inet_pton(AF_INET6, "2001:db8::1", l[1].addr);
	l[1].family = AF_INET6;
	l[1].port = 8443;
	memcpy(l[1].comm, HOSTILE_COMM, sizeof(HOSTILE_COMM));
	listeners_print_json(capture_begin(&c), &ls);
	out = capture_end(&c);
	capture_save(&c, "listeners");
	CHECK(starts(out, "[{\"netns\":4026531840,\"netns_cookie\":1,\"family\":\"inet\","
		       "\"addr\":\"0.0.0.0\","
		       "\"port\":80,\"syn_queue\":1,\"syn_queue_peak\":9,\"accept_queue\":2,"
		       "\"accept_queue_peak\":129,\"backlog\":128,\"overflows\":5,"
		       "\"syn_drops\":6,\"syncookies\":1234567,\"synack_retrans\":3,"
		       "\"pid\":99,\"comm\":\"nginx\",\"cookie\":77},{") &&
	      json_valid(out, strlen(out)), "listeners json: summary's keys and the new ones");
	capture_free(&c);
	CHECK_JSON("listeners (none)", listeners_print_json(f, &none));

	listeners_print_human(capture_begin(&c), &ls, 0);
	out = capture_end(&c);
	CHECK(starts(out, "LOCAL                 SYNQ/PEAK ACCQ/PEAK BKLOG OVERFL  DROPS "
		       "COOKIES PROCESS\n"
		       "*:80                        1/9     2/129   128      5      6   1.23M "
		       "99/nginx\n"
		       "[2001:db8::1]:8443          1/9     2/129   128      5      6   1.23M "
		       "99/\"\\??[2J"), "listeners text: columns, big counts, comm defused");
	CHECK(widest_line("LOCAL                 SYNQ/PEAK ACCQ/PEAK BKLOG OVERFL  DROPS "
			  "COOKIES PROCESS\n") <= 80 && !strchr(out, '\x1b'),
	      "listeners text: header fits 80 columns, no escape bytes");
	capture_free(&c);
	listeners_print_human(capture_begin(&c), &ls, TABLE_WIDE);
	out = capture_end(&c);
	CHECK(strstr(out, "NETNS      NETNS_COOKIE LOCAL") && strstr(out, "SYNACKRTX COOKIE") &&
	      strstr(out, "\n4026531840 1            *:80 ") && strstr(out, "        3 77      "),
	      "listeners text --wide: namespace (inode, cookie), SYN-ACK retransmits, cookie");
	capture_free(&c);
	listeners_print_human(capture_begin(&c), &none, 0);
	out = capture_end(&c);
	CHECK(strstr(out, "\n(none)\n") != NULL, "listeners text: none");
	capture_free(&c);
	listeners_print_human(capture_begin(&c), &ls, TABLE_NO_HEADER);
	out = capture_end(&c);
	CHECK(starts(out, "*:80 ") && !strstr(out, "LOCAL"), "listeners text --no-header: rows only");
	capture_free(&c);
	/* As a caller without CAP_NET_ADMIN gets them: owner hidden. */
	l[0].pid = l[1].pid = 0;
	l[0].comm[0] = l[1].comm[0] = '\0';
	listeners_print_human(capture_begin(&c), &ls, 0);
	out = capture_end(&c);
	CHECK(strstr(out, "\n*:80                        1/9     2/129   128      5      6   1.23M "
		     "-\n") != NULL, "listeners text: hidden owner shown as -");
	capture_free(&c);
	listeners_print_json(capture_begin(&c), &ls);
	out = capture_end(&c);
	CHECK(strstr(out, "\"synack_retrans\":3,\"pid\":0,\"comm\":\"\",\"cookie\":77}") &&
	      json_valid(out, strlen(out)), "listeners json: hidden owner is pid 0, comm \"\"");
	capture_free(&c);
}

static struct tw_event stuck(uint64_t cookie, uint8_t sk, uint8_t state, uint64_t age_s,
			     const char *comm)
{
	struct tw_event e = {
		.cookie = cookie, .sk = sk, .new_state = state, .age_ns = age_s * 1000000000ull,
		.netns = 4026532281u, .netns_cookie = 17, .pid = 1234,
		.t = { .family = AF_INET, .sport = 8080, .dport = 43210 },
	};

	snprintf(e.comm, sizeof(e.comm), "%s", comm);
	inet_pton(AF_INET, "127.0.0.1", e.t.saddr);
	inet_pton(AF_INET, "10.0.0.2", e.t.daddr);
	return e;
}

static void test_leaks_out(void)
{
	struct tw_event v[2] = {
		stuck(5, TCPWATCH_SK_FULL, TCPWATCH_CLOSE_WAIT, 303, "nginx"),
		stuck(7, TCPWATCH_SK_TIMEWAIT, TCPWATCH_FIN_WAIT2, 61, HOSTILE_COMM),
	};
	struct tw_sockets s = { .v = v, .n = 2 }, none = {};
	struct capture c;
	const char *out;

	leaks_print_json(capture_begin(&c), &s);
	out = capture_end(&c);
	capture_save(&c, "leaks");
	CHECK(starts(out, "[{\"sk\":\"full\",\"state\":\"CLOSE_WAIT\",\"age_ns\":303000000000,"
		       "\"cookie\":5,\"netns\":4026532281,\"netns_cookie\":17,\"family\":\"inet\","
		       "\"saddr\":\"127.0.0.1\","
		       "\"sport\":8080,\"daddr\":\"10.0.0.2\",\"dport\":43210,\"pid\":1234,"
		       "\"comm\":\"nginx\"},{\"sk\":\"timewait\",\"state\":\"FIN_WAIT2\",") &&
	      json_valid(out, strlen(out)), "leaks json: the keys, hostile comm");
	capture_free(&c);
	CHECK_JSON("leaks (none)", leaks_print_json(f, &none));

	leaks_print_human(capture_begin(&c), &s, 0);
	out = capture_end(&c);
	CHECK(starts(out, "STATE        SK        AGE LOCAL                 PEER"
		       "                 PROCESS\n"
		       "CLOSE_WAIT   full    5m03s 127.0.0.1:8080        10.0.0.2:43210"
		       "       1234/nginx\n"
		       "FIN_WAIT2    tw      1m01s 127.0.0.1:8080") &&
	      strstr(out, "\n\npid 1234 (nginx): 1 CLOSE_WAIT socket, oldest 5m03s\n"
		     "pid 1234 (\"\\??[2J") && !strchr(out, '\x1b'),
	      "leaks text: rows oldest first, then a line per owner");
	capture_free(&c);
	memcpy(v[1].comm, "nginx", sizeof("nginx"));
	v[1].age_ns = 290810000;	/* "290.81ms": the widest age below an hour */
	leaks_print_human(capture_begin(&c), &s, 0);
	out = capture_end(&c);
	CHECK(strstr(out, "\nFIN_WAIT2    tw   290.81ms 127.0.0.1:8080") != NULL,
	      "leaks text: an age in ms keeps LOCAL under its header");
	CHECK(widest_line(out) <= 80, "leaks text: fits 80 columns (widest %zu)",
	      widest_line(out));
	capture_free(&c);
	leaks_print_human(capture_begin(&c), &s, TABLE_WIDE);
	out = capture_end(&c);
	CHECK(strstr(out, "NETNS      NETNS_COOKIE COOKIE               STATE") &&
	      strstr(out, "\n4026532281 17           5                    CLOSE_WAIT"),
	      "leaks text --wide: namespace (inode, cookie) and socket cookie first");
	capture_free(&c);
	leaks_print_human(capture_begin(&c), &none, 0);
	out = capture_end(&c);
	CHECK(strstr(out, "PROCESS\n(none)\n") && !strstr(out, "pid"), "leaks text: none");
	capture_free(&c);
}

static void test_hist_draw(void)
{
	uint64_t b[TCPWATCH_DWELL_BUCKETS] = { [16] = 80, [17] = 20, [19] = 1 };
	struct capture c;

	hist_print(capture_begin(&c), b);
	tap_streq(capture_end(&c),
		  "               range : count    distribution\n"
		  "  65.5us -> 131.1us  : 80       |****************************************|\n"
		  " 131.1us -> 262.1us  : 20       |**********                              |\n"
		  " 262.1us -> 524.3us  : 0        |                                        |\n"
		  " 524.3us -> 1.05ms   : 1        |                                        |\n",
		  "histogram: labels, bar scaled to 40, gaps kept, small ones round down");
	capture_free(&c);

	memset(b, 0, sizeof(b));
	b[0] = 3;
	b[63] = 3;
	hist_print(capture_begin(&c), b);
	capture_end(&c);
	CHECK(starts(strchr(c.buf, '\n') + 1, "     0ns -> 1ns      : 3        |*****") &&
	      strstr(c.buf, "h") && strstr(c.buf, ": 3        |****************************"
					       "************|\n"),
	      "histogram: first and last buckets");
	capture_free(&c);

	memset(b, 0, sizeof(b));
	hist_print(capture_begin(&c), b);
	tap_streq(capture_end(&c), "(no samples)\n", "histogram: empty");
	capture_free(&c);

	CHECK(hist_le_ns(0) == 1 && hist_le_ns(9) == 1023 && hist_le_ns(63) == UINT64_MAX,
	      "histogram: le_ns is the largest ns a bucket holds");
}

static void test_dwell_out(void)
{
	static struct tw_summary sum;
	struct capture c;
	const char *out;

	memset(&sum, 0, sizeof(sum));
	sum.dwell_present = 1u << TCPWATCH_SYN_SENT | 1u << TCPWATCH_CLOSE;
	sum.dwell[TCPWATCH_SYN_SENT][16] = 99;
	sum.dwell[TCPWATCH_SYN_SENT][20] = 1;	/* CLOSE present but empty */
	dwell_print_json(capture_begin(&c), &sum, 0);
	tap_streq(capture_end(&c), "{\"SYN_SENT\":{\"buckets\":[{\"le_ns\":131071,\"count\":99},"
		  "{\"le_ns\":2097151,\"count\":1}],\"count\":100}}\n",
		  "dwell json: states with samples, non-empty buckets");
	capture_save(&c, "dwell");
	capture_free(&c);
	dwell_print_json(capture_begin(&c), &sum, TW_STATE_BIT(TCPWATCH_TIME_WAIT));
	tap_streq(capture_end(&c), "{\"TIME_WAIT\":{\"buckets\":[],\"count\":0}}\n",
		  "dwell json: a state asked for without samples");
	capture_free(&c);

	dwell_print_human(capture_begin(&c), &sum, 0);
	out = capture_end(&c);
	CHECK(starts(out, "SYN_SENT: 100 samples, p50 < 131.1us, p99 < 131.1us\n"
		       "               range : count    distribution\n"
		       "  65.5us -> 131.1us  : 99       |*****") &&
	      !strstr(out, "CLOSE") && widest_line(out) <= 80,
	      "dwell text: header, histogram, 80 columns");
	capture_free(&c);
	dwell_print_human(capture_begin(&c), &sum, TW_STATE_BIT(TCPWATCH_TIME_WAIT) |
			  TW_STATE_BIT(TCPWATCH_SYN_SENT));
	out = capture_end(&c);
	CHECK(strstr(out, "|\n\nTIME_WAIT: no samples\n") != NULL,
	      "dwell text: a state asked for without samples");
	capture_free(&c);
	memset(&sum, 0, sizeof(sum));
	dwell_print_human(capture_begin(&c), &sum, 0);
	tap_streq(capture_end(&c), "(no dwell times measured yet)\n", "dwell text: nothing");
	capture_free(&c);
}

static void test_timewait_out(void)
{
	static struct tw_summary before, after;
	struct port_count local[2] = { { 8080, 800 }, { 8081, 5 } }, remote[1] = { { 5432, 300 } };
	struct timewait_report r = {
		.before = &before, .after = &after, .interval_ns = 2000000000ull,
		.local = local, .remote = remote, .n_local = 2, .n_remote = 1, .counted = 1105,
	};
	struct capture c;
	const char *out;

	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	before.timewait.entered = 100;
	before.timewait.ended = 90;
	after.timewait.current = 1234;
	after.timewait.entered = 212;
	after.timewait.ended = 191;
	after.n_ends = 3;
	after.ends[0] = (struct tw_end){ TCPWATCH_SK_TIMEWAIT, TCPWATCH_REASON_EXPIRED, 180 };
	after.ends[1] = (struct tw_end){ TCPWATCH_SK_TIMEWAIT, TCPWATCH_REASON_REUSED, 11 };
	after.ends[2] = (struct tw_end){ TCPWATCH_SK_REQUEST, TCPWATCH_REASON_RESET, 99 };
	timewait_print_json(capture_begin(&c), &r);
	tap_streq(capture_end(&c), "{\"current\":1234,\"interval_ns\":2000000000,"
		  "\"entered_per_s\":56,\"ended_per_s\":50.5,\"entered\":212,\"ended\":191,"
		  "\"ended_by_reason\":{\"expired\":180,\"reused\":11,\"reset\":0,\"purged\":0},"
		  "\"ports_counted\":1105,\"local_ports\":[{\"port\":8080,\"count\":800},{\"port\":8081,\"count\":5}],"
		  "\"remote_ports\":[{\"port\":5432,\"count\":300}]}\n",
		  "timewait json: rates, reasons (request ends left out), ports");
	capture_save(&c, "timewait");
	capture_free(&c);
	timewait_print_human(capture_begin(&c), &r);
	out = capture_end(&c);
	tap_streq(out, "TIME_WAIT sockets now 1234, entered 56.0/s, ended 50.5/s (over 2.00s)\n"
		  "ended since load: expired 180 reused 11 reset 0 purged 0\n\n"
		  "the busiest ports, over 1105 tracked timewait sockets:\n"
		  "LOCAL PORT  TIME_WAIT   REMOTE PORT  TIME_WAIT\n"
		  "      8080        800          5432        300\n"
		  "      8081          5   \n", "timewait text");
	capture_free(&c);
	before.timewait.entered = 500;		/* module reloaded in between */
	r.n_local = r.n_remote = 0;
	timewait_print_human(capture_begin(&c), &r);
	out = capture_end(&c);
	CHECK(strstr(out, "entered 0.0/s") && strstr(out, "TIME_WAIT\n(none)\n"),
	      "timewait text: counter went back, no ports");
	capture_free(&c);
	CHECK_JSON("timewait (no ports)", timewait_print_json(f, &r));
}

static void test_overflow_event(void)
{
	struct tw_event ev = {
		.present = 0xffffffu & ~(1u << TCPWATCH_A_EV_DWELL | 1u << TCPWATCH_A_EV_REASON |
					 1u << TCPWATCH_A_EV_LOST | 1u << TCPWATCH_A_EV_AGE),
		.type = TCPWATCH_EV_OVERFLOW, .seq = 5, .cpu = 0, .ts_ns = 2000000000ull,
		.sk = TCPWATCH_SK_FULL, .cookie = 42, .netns = 1, .netns_cookie = 3,
		.t = { .family = AF_INET, .sport = 8080 },
		.old_state = TCPWATCH_LISTEN, .new_state = TCPWATCH_LISTEN, .pid = 12,
		.comm = "nginx", .syn_queue = 3, .accept_queue = 129, .backlog = 128,
	};
	struct capture c;
	const char *out;

	inet_pton(AF_INET, "127.0.0.1", ev.t.saddr);
	event_print_json(capture_begin(&c), &ev);
	tap_streq(capture_end(&c), "{\"type\":\"overflow\",\"seq\":5,\"cpu\":0,\"ts_ns\":2000000000,"
		  "\"sk\":\"full\",\"cookie\":42,\"netns\":1,\"netns_cookie\":3,\"family\":\"inet\","
		  "\"saddr\":\"127.0.0.1\",\"sport\":8080,\"daddr\":\"0.0.0.0\",\"dport\":0,"
		  "\"old\":\"LISTEN\",\"new\":\"LISTEN\",\"dwell_ns\":null,\"pid\":12,"
		  "\"comm\":\"nginx\",\"syn_queue\":3,\"accept_queue\":129,\"backlog\":128}\n",
		  "overflow event json: the state-event keys and the queues");
	capture_save(&c, "event");
	capture_free(&c);
	ev.type = TCPWATCH_EV_SYN_DROP;
	memcpy(ev.comm, HOSTILE_COMM, sizeof(HOSTILE_COMM));
	CHECK_JSON("syn_drop event, hostile comm", event_print_json(f, &ev));
	event_print_human(capture_begin(&c), &ev, 0);
	out = capture_end(&c);
	CHECK(starts(out, "     2.000000 full syn_drop                 127.0.0.1:8080        -"
		       "                            - 12/\"\\??[2J") &&
	      strstr(out, " synq=3 acceptq=129 backlog=128\n") && !strchr(out, '\x1b'),
	      "syn_drop event text: listener, no peer, queues, comm defused");
	capture_free(&c);
}


/* tcpwatch graph: the RFC 9293 diagram with counts, as DOT that dot reads. */
static void test_graph(void)
{
	static struct tw_summary sum;
	char path[] = "/tmp/tcpwatch-graph-XXXXXX", cmd[128];
	struct capture c;
	const char *out;
	FILE *f;
	int fd;

	memset(&sum, 0, sizeof(sum));
	sum.n_transitions = 4;
	sum.transitions[0] = (struct tw_transition){ TCPWATCH_SK_FULL, TCPWATCH_SYN_SENT,
						     TCPWATCH_ESTABLISHED, 1000 };
	sum.transitions[1] = (struct tw_transition){ TCPWATCH_SK_FULL, TCPWATCH_ESTABLISHED,
						     TCPWATCH_CLOSE, 7 };
	sum.transitions[2] = (struct tw_transition){ TCPWATCH_SK_TIMEWAIT, TCPWATCH_TIME_WAIT,
						     TCPWATCH_CLOSE, 5 };
	sum.transitions[3] = (struct tw_transition){ TCPWATCH_SK_FULL, TCPWATCH_TIME_WAIT,
						     TCPWATCH_CLOSE, 5 };
	graph_print_dot(capture_begin(&c), &sum);
	out = capture_end(&c);
	CHECK(strstr(out, "digraph tcp_states {") && strstr(out, "  \"NEW_SYN_RECV\";\n") &&
	      strstr(out, "  \"CLOSE\";\n") && !strstr(out, "UNKNOWN"),
	      "graph: a digraph with the twelve states");
	CHECK(strstr(out, "  \"SYN_SENT\" -> \"ESTABLISHED\" [label=\"1000\", penwidth=5.5];\n") != NULL,
	      "graph: a taken edge of the diagram, its count as label and width");
	CHECK(strstr(out, "  \"TIME_WAIT\" -> \"CLOSE\" [label=\"10\", penwidth=2.5];\n") != NULL,
	      "graph: each kind's counts of an edge summed");
	CHECK(strstr(out, "  \"ESTABLISHED\" -> \"CLOSE\" [label=\"7\", penwidth=2.3, "
		     "color=steelblue, fontcolor=steelblue];\n") != NULL,
	      "graph: an edge beyond the diagram (a reset) drawn in blue");
	CHECK(strstr(out, "  \"CLOSING\" -> \"TIME_WAIT\" [style=dashed, color=gray75];\n") &&
	      !strstr(out, "\"ESTABLISHED\" -> \"LISTEN\""),
	      "graph: the diagram's edges never taken are faint, nothing else is drawn");
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f) {
		fputs(out, f);
		fclose(f);
	}
	if (system("command -v dot >/dev/null 2>&1")) {
		CHECK(true, "graph: dot reads it # SKIP graphviz not installed");
	} else {
		snprintf(cmd, sizeof(cmd), "dot -Tsvg %s >/dev/null", path);
		CHECK(f && system(cmd) == 0, "graph: Graphviz's dot reads it");
	}
	unlink(path);
	capture_free(&c);
}

/* tcpwatch top: one frame from two reads a second apart. */
static void test_top_frame(void)
{
	static struct tw_summary prev, cur;
	struct tw_listener pl[2] = {
		{ .family = AF_INET, .port = 80, .cookie = 1, .overflows = 10, .backlog = 128 },
		{ .family = AF_INET, .port = 22, .cookie = 2, .backlog = 8 },
	};
	struct tw_listener cl[2] = {
		{ .family = AF_INET, .port = 22, .cookie = 2, .backlog = 8, .accept_queue = 1,
		  .pid = 7, .comm = "sshd" },
		{ .family = AF_INET, .port = 80, .cookie = 1, .overflows = 30, .syn_drops = 4,
		  .backlog = 128, .accept_queue = 129, .pid = 9, .comm = "nginx" },
	};
	struct tw_listeners pls = { .v = pl, .n = 2 }, cls = { .v = cl, .n = 2 };
	struct tw_event leak = { .pid = 9, .new_state = TCPWATCH_CLOSE_WAIT, .age_ns = 90000000000ull };
	struct tw_sockets leaks = { .v = &leak, .n = 1 };
	struct top_view v = { .clock = "12:00:00", .interval_s = 2, .cur = &cur, .prev = &prev,
			      .ls = &cls, .prev_ls = &pls, .secs = 2, .leaks = &leaks };
	struct capture c;
	const char *out;

	memset(&prev, 0, sizeof(prev));
	memset(&cur, 0, sizeof(cur));
	snprintf(leak.comm, sizeof(leak.comm), "nginx");
	prev.n_transitions = cur.n_transitions = 1;
	prev.transitions[0] = (struct tw_transition){ TCPWATCH_SK_FULL, TCPWATCH_SYN_SENT,
						      TCPWATCH_ESTABLISHED, 100 };
	cur.transitions[0] = prev.transitions[0];
	cur.transitions[0].count = 300;
	cur.states[TCPWATCH_ESTABLISHED] = 42;
	cur.timewait.current = 5;
	cur.timewait.entered = 10;
	top_print_frame(capture_begin(&c), &v);
	out = capture_end(&c);
	CHECK(starts(out, "tcpwatch top  12:00:00  every 2.0s  events lost 0\n"),
	      "top: the header");
	CHECK(strstr(out, "\nESTABLISHED          42     100.0\n") && !strstr(out, "\nCLOSE "),
	      "top: sockets per state and entries per second (200 in 2 s), no CLOSE row");
	CHECK(strstr(out, "\ntimewait              5       5.0") != NULL, "top: timewait and its rate");
	CHECK(strstr(out, "\n*:80                      129/128         0/0     10.0      2.0 9/nginx\n"
		     "*:22                          1/8         0/0      0.0      0.0 7/sshd\n") != NULL,
	      "top: listeners by overflows and drops per second first, their queues");
	CHECK(strstr(out, "\n9/nginx                             1        0        0     1m30s\n") != NULL,
	      "top: the process holding a CLOSE_WAIT socket longest");
	capture_free(&c);

	v.prev = NULL;
	v.prev_ls = NULL;
	v.leaks = NULL;
	top_print_frame(capture_begin(&c), &v);
	out = capture_end(&c);
	CHECK(strstr(out, "\nESTABLISHED          42       0.0\n") &&
	      strstr(out, "(not shown: the socket list needs CAP_NET_ADMIN)"),
	      "top: the first frame has no rates; without the socket list, said so");
	capture_free(&c);
}

void test_reports(void)
{
	test_listeners_out();
	test_leaks_out();
	test_hist_draw();
	test_dwell_out();
	test_timewait_out();
	test_overflow_event();
	test_graph();
	test_top_frame();
}
