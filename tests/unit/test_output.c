// SPDX-License-Identifier: GPL-2.0
/* The printed forms: exact JSON lines and the text tables. */
#include <arpa/inet.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "cmds.h"
#include "event_out.h"
#include "format.h"
#include "tap.h"

#define HAS(attr) (1u << TCPWATCH_A_EV_##attr)

static struct tw_event sample_event(void)
{
	struct tw_event ev = {
		.present = HAS(TYPE) | HAS(SEQ) | HAS(CPU) | HAS(TS) | HAS(SK) | HAS(COOKIE) |
			   HAS(NETNS) | HAS(NETNS_COOKIE) | HAS(FAMILY) | HAS(SADDR) | HAS(SPORT) | HAS(DADDR) |
			   HAS(DPORT) | HAS(OLD) | HAS(NEW) | HAS(DWELL) | HAS(PID) | HAS(COMM),
		.type = TCPWATCH_EV_STATE, .seq = 77, .cpu = 1, .ts_ns = 123456789012ull,
		.sk = TCPWATCH_SK_FULL, .cookie = 4097, .netns = 4026531840u, .netns_cookie = 1,
		.t = { .family = AF_INET, .sport = 43210, .dport = 8080 },
		.old_state = TCPWATCH_SYN_SENT, .new_state = TCPWATCH_ESTABLISHED,
		.dwell_ns = 52000, .pid = 1234, .comm = "curl",
	};

	inet_pton(AF_INET, "127.0.0.1", ev.t.saddr);
	inet_pton(AF_INET, "127.0.0.1", ev.t.daddr);
	return ev;
}

static void check_json_line(const struct tw_event *ev, const char *want, const char *name)
{
	struct capture c;
	const char *out;

	event_print_json(capture_begin(&c), ev);
	out = capture_end(&c);
	capture_save(&c, "event");
	tap_streq(out, want, "event json: %s", name);
	CHECK(json_valid(out, strlen(out)), "event json: %s is valid JSON", name);
	capture_free(&c);
}

static void test_event_json(void)
{
	struct tw_event ev = sample_event();

	check_json_line(&ev, "{\"type\":\"state\",\"seq\":77,\"cpu\":1,\"ts_ns\":123456789012,"
			"\"sk\":\"full\",\"cookie\":4097,\"netns\":4026531840,\"netns_cookie\":1,"
			"\"family\":\"inet\","
			"\"saddr\":\"127.0.0.1\",\"sport\":43210,\"daddr\":\"127.0.0.1\","
			"\"dport\":8080,\"old\":\"SYN_SENT\",\"new\":\"ESTABLISHED\","
			"\"dwell_ns\":52000,\"pid\":1234,\"comm\":\"curl\"}\n", "state event");

	ev.present &= ~(HAS(DWELL) | HAS(PID) | HAS(COMM));
	ev.pid = 0;
	ev.comm[0] = '\0';
	ev.sk = TCPWATCH_SK_REQUEST;
	ev.old_state = TCPWATCH_NEW_SYN_RECV;
	ev.reason = TCPWATCH_REASON_ACCEPTED;
	ev.present |= HAS(REASON) | HAS(SYN_QUEUE) | HAS(ACCEPT_QUEUE) | HAS(BACKLOG);
	ev.syn_queue = 0;
	ev.accept_queue = 1;
	ev.backlog = 128;
	check_json_line(&ev, "{\"type\":\"state\",\"seq\":77,\"cpu\":1,\"ts_ns\":123456789012,"
			"\"sk\":\"request\",\"cookie\":4097,\"netns\":4026531840,\"netns_cookie\":1,"
			"\"family\":\"inet\",\"saddr\":\"127.0.0.1\",\"sport\":43210,"
			"\"daddr\":\"127.0.0.1\",\"dport\":8080,\"old\":\"NEW_SYN_RECV\","
			"\"new\":\"ESTABLISHED\",\"dwell_ns\":null,\"pid\":0,\"comm\":\"\","
			"\"reason\":\"accepted\",\"syn_queue\":0,\"accept_queue\":1,"
			"\"backlog\":128}\n", "request socket with reason and queues");

	memcpy(ev.comm, "a\"b\\\n\xff\xc3\xa9", 9);
	ev.reason = 0;
	ev.present &= ~(HAS(SYN_QUEUE) | HAS(ACCEPT_QUEUE) | HAS(BACKLOG));
	{
		struct capture c;
		const char *out;

		event_print_json(capture_begin(&c), &ev);
		out = capture_end(&c);
		CHECK(strstr(out, "\"comm\":\"a\\\"b\\\\\\n\\u00ff\xc3\xa9\"") &&
		      !strstr(out, "reason") && json_valid(out, strlen(out)),
		      "event json: hostile comm escaped, zero reason omitted");
		capture_free(&c);
	}

	memset(&ev, 0, sizeof(ev));
	ev.present = HAS(TYPE) | HAS(SEQ) | HAS(CPU) | HAS(TS) | HAS(LOST);
	ev.type = TCPWATCH_EV_LOST;
	ev.seq = 9;
	ev.ts_ns = 5;
	ev.lost = 31;
	check_json_line(&ev, "{\"type\":\"lost\",\"seq\":9,\"cpu\":0,\"ts_ns\":5,\"lost\":31}\n",
			"lost marker");
}

static void test_event_human(void)
{
	struct tw_event ev = sample_event();
	struct capture c;

	event_print_header(capture_begin(&c), 0);
	event_print_human(c.f, &ev, 0);
	ev.type = TCPWATCH_EV_LOST;
	ev.lost = 3;
	event_print_human(c.f, &ev, 0);
	tap_streq(capture_end(&c),
		  "         TIME SK   TRANSITION               LOCAL                 PEER"
		  "                     DWELL PROCESS\n"
		  "   123.456789 full SYN_SENT>ESTABLISHED     127.0.0.1:43210       127.0.0.1:8080"
		  "          52.0us 1234/curl\n"
		  "   123.456789 lost 3 events on cpu 1 (overwritten in the kernel ring)\n",
		  "event text: header, state row, lost row");
	capture_free(&c);

	event_print_header(capture_begin(&c), TABLE_NO_HEADER);
	tap_streq(capture_end(&c), "", "event text: --no-header prints no header");
	capture_free(&c);
}

/* -T: the time of day the event happened, as dmesg -T gives it. */
static void test_event_wall_clock(void)
{
	struct tw_event ev = sample_event();
	struct timespec mono, rt;
	struct capture c;
	const char *out;
	struct tm tm = {};
	char *rest;
	time_t when;

	setenv("TZ", "UTC", 1);
	tzset();
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &rt);
	ev.ts_ns = mono.tv_sec * 1000000000ull + mono.tv_nsec - 3600000000000ull;	/* an hour ago */
	event_print_header(capture_begin(&c), TABLE_WALL_CLOCK);
	event_print_human(c.f, &ev, TABLE_WALL_CLOCK);
	out = capture_end(&c);
	CHECK(!strncmp(out, "                      TIME SK   TRANSITION", 42),
	      "event text -T: the TIME column is 26 wide");
	rest = strptime(strchr(out, '\n') + 1, "%Y-%m-%d %H:%M:%S.", &tm);
	when = timegm(&tm);
	CHECK(rest && strspn(rest, "0123456789") == 6 && !strncmp(rest + 6, " full SYN_SENT", 14) &&
	      labs((long)(when - (rt.tv_sec - 3600))) <= 2,
	      "event text -T: an hour ago as date and time of day, microseconds (%.40s)",
	      strchr(out, '\n') + 1);
	capture_free(&c);
	unsetenv("TZ");
	tzset();
}

static struct tw_summary *sample_summary(void)
{
	static struct tw_summary sum;

	memset(&sum, 0, sizeof(sum));
	sum.states[TCPWATCH_ESTABLISHED] = 12;
	sum.states[TCPWATCH_TIME_WAIT] = 3;
	sum.states[TCPWATCH_LISTEN] = 2;
	sum.n_transitions = 2;
	sum.transitions[0] = (struct tw_transition){ 0, TCPWATCH_SYN_SENT,
						     TCPWATCH_ESTABLISHED, 42 };
	sum.transitions[1] = (struct tw_transition){ 2, TCPWATCH_TIME_WAIT, TCPWATCH_CLOSE, 7 };
	sum.timewait.current = 3;
	sum.timewait.entered = 10;
	sum.timewait.ended = 7;
	sum.n_ends = 3;
	sum.ends[0] = (struct tw_end){ TCPWATCH_SK_REQUEST, TCPWATCH_REASON_ACCEPTED, 40 };
	sum.ends[1] = (struct tw_end){ TCPWATCH_SK_REQUEST, TCPWATCH_REASON_TIMEOUT, 1 };
	sum.ends[2] = (struct tw_end){ TCPWATCH_SK_TIMEWAIT, TCPWATCH_REASON_EXPIRED, 7 };
	sum.listen.overflows = 5;
	sum.listen.syn_drops = 6;
	sum.listen.syncookies = 7;
	sum.listen.synack_retrans = 8;
	sum.events.written = 1000;
	sum.events.unsent = 7;
	sum.events.lost = 2;
	sum.dwell_present = 1u << TCPWATCH_SYN_SENT;
	sum.dwell[TCPWATCH_SYN_SENT][16] = 99;	/* 65.5us..131us */
	sum.dwell[TCPWATCH_SYN_SENT][20] = 1;
	return &sum;
}

static struct tw_listener sample_listener(void)
{
	struct tw_listener l = {
		.netns = 4026531840u, .netns_cookie = 1, .family = AF_INET, .port = 80,
		.syn_queue = 1,
		.syn_queue_peak = 9, .accept_queue = 2, .accept_queue_peak = 129,
		.backlog = 128, .overflows = 5, .syn_drops = 6, .pid = 99, .comm = "nginx",
	};

	return l;
}

static void test_summary_out(void)
{
	struct tw_listener l = sample_listener();
	struct tw_listeners ls = { .v = &l, .n = 1 };
	struct capture c;
	const char *out;

	summary_print_json(capture_begin(&c), sample_summary(), &ls);
	out = capture_end(&c);
	capture_save(&c, "summary");
	CHECK(json_valid(out, strlen(out)), "summary json: valid");
	CHECK(!strncmp(out, "{\"states\":{\"ESTABLISHED\":12,\"SYN_SENT\":0,",
		       strlen("{\"states\":{\"ESTABLISHED\":12,\"SYN_SENT\":0,")) &&
	      strstr(out, "\"NEW_SYN_RECV\":0},\"transitions\":[{\"sk\":\"full\","
		     "\"old\":\"SYN_SENT\",\"new\":\"ESTABLISHED\",\"count\":42},"),
	      "summary json: states and transitions");
	CHECK(strstr(out, "\"timewait\":{\"current\":3,\"entered\":10,\"ended\":7}") &&
	      strstr(out, "\"listeners\":[{\"netns\":4026531840,\"netns_cookie\":1,"
		     "\"family\":\"inet\","
		     "\"addr\":\"0.0.0.0\",\"port\":80,\"syn_queue\":1,\"syn_queue_peak\":9,"
		     "\"accept_queue\":2,\"accept_queue_peak\":129,\"backlog\":128,"
		     "\"overflows\":5,\"syn_drops\":6,\"syncookies\":0,\"synack_retrans\":0,") &&
	      strstr(out, "\"events\":{\"written\":1000,\"lost\":2,\"unsent\":7}}\n"),
	      "summary json: timewait, listeners, events");
	CHECK(strstr(out, "\"dwell\":{\"SYN_SENT\":{\"samples\":100,\"p50_ns\":131072,"),
	      "summary json: dwell quantiles");
	CHECK(strstr(out, "\"timewait\":{\"current\":3,\"entered\":10,\"ended\":7},"
		     "\"ends\":[{\"sk\":\"request\",\"reason\":\"accepted\",\"count\":40},"
		     "{\"sk\":\"request\",\"reason\":\"timeout\",\"count\":1},"
		     "{\"sk\":\"timewait\",\"reason\":\"expired\",\"count\":7}],"
		     "\"listen\":{\"overflows\":5,\"syn_drops\":6,\"syncookies\":7,"
		     "\"synack_retrans\":8},\"listeners\":[") != NULL,
	      "summary json: ends and listen totals");
	capture_free(&c);
	{
		static struct tw_summary big;

		memset(&big, 0, sizeof(big));
		big.dwell_present = 1u << TCPWATCH_TIME_WAIT;
		big.dwell[TCPWATCH_TIME_WAIT][35] = 4;	/* about a minute */
		summary_print_json(capture_begin(&c), &big, &ls);
		out = capture_end(&c);
	}
	CHECK(strstr(out, "\"TIME_WAIT\":{\"samples\":4,\"p50_ns\":") && !strstr(out, "e+"),
	      "summary json: quantiles past a second are whole nanoseconds, not floats");
	capture_free(&c);

	summary_print_human(capture_begin(&c), sample_summary(), &ls);
	out = capture_end(&c);
	CHECK(strstr(out, "ESTABLISHED           12   SYN_SENT               0") &&
	      strstr(out, "full      SYN_SENT      ESTABLISHED                     42") &&
	      strstr(out, "TIME_WAIT  now 3  entered 10  ended 7\n"
		     "ENDS       request   accepted 40 timeout 1\n"
		     "           timewait  expired 7\n"
		     "LISTEN     overflows 5  syn_drops 6  syncookies 7  synack_retrans 8\n\n"
		     "LOCAL ") &&
	      strstr(out, "*:80                        1/9     2/129   128      5      6"
		     "       0 99/nginx") &&
	      strstr(out, "EVENTS     written 1000  lost 2"), "summary text: sections");
	{
		const char *line = out;
		size_t widest = 0;

		while (*line) {
			size_t n = strcspn(line, "\n");

			if (n > widest)
				widest = n;
			line += n + !!line[n];
		}
		CHECK(widest <= 80, "summary text: fits 80 columns (widest %zu)", widest);
	}
	capture_free(&c);
}

static void test_status_out(void)
{
	struct tw_probe probes[] = { { "sock:inet_sock_set_state", true, 0, 42, "every state change" },
				     { "kprobe:tcp_check_req", false, 3, 0, "a \"reset\"\nreason" } };
	struct tw_cpu cpus[] = { { 0, 500, 0 }, { 1, 501, 1 } };
	struct tw_status st = {
		.version = "0.1.0", .ring_size = 4096, .track_max = 65536, .track_used = 17,
		.track_allocated = 4096, .track_bytes = 1466368, .untracked = 5,
		.track_failed = 9, .track_failed_full = 7, .track_failed_growing = 2,
		.seeded = 12, .seeded_untracked = 1, .events = { 1001, 1, 5 },
		.probes = probes, .n_probes = 2, .cpus = cpus, .n_cpus = 2,
	};
	struct capture c;
	const char *out;

	status_print_json(capture_begin(&c), &st);
	out = capture_end(&c);
	capture_save(&c, "status");
	CHECK(json_valid(out, strlen(out)) &&
	      strstr(out, "\"probes\":[{\"name\":\"sock:inet_sock_set_state\","
		     "\"attached\":true,\"missed\":0,\"hits\":42,\"loses\":\"every state change\"},") &&
	      strstr(out, "\"loses\":\"a \\\"reset\\\"\\nreason\"}") &&
	      strstr(out, "\"cpus\":[{\"cpu\":0,\"written\":500,\"lost\":0},") &&
	      strstr(out, "\"tracked\":{\"used\":17,\"max\":65536,\"allocated\":4096,"
		     "\"bytes\":1466368,\"untracked\":5,\"failed\":9,\"failed_full\":7,"
		     "\"failed_growing\":2},\"seeded\":12,\"seeded_untracked\":1"),
	      "status json: valid, tracking pool, probes and cpus");
	capture_free(&c);
	status_print_human(capture_begin(&c), &st);
	out = capture_end(&c);
	CHECK(strstr(out, "kprobe:tcp_check_req                 NO                      0                3") &&
	      strstr(out, "sock:inet_sock_set_state             yes                    42                0") &&
	      strstr(out, "\nmissing: a \"reset\"\nreason (no probe on kprobe:tcp_check_req)\n") &&
	      !strstr(out, "missing: every") &&
	      strstr(out, "unsent 5 (no memory)") &&
	      strstr(out, "total                    1001                    1") &&
	      strstr(out, "tracked sockets  17 (at most 65536), 5 counted but not tracked now\n") &&
	      strstr(out, "tracking memory  1432 KiB, 4096 entries allocated\n") &&
	      strstr(out, "not tracked      9 since load: 7 at max_tracked, 2 while the pool grew\n") &&
	      strstr(out, "seeded at load   12 sockets, 1 without an entry"),
	      "status text: probes, what a missing one loses, per-CPU totals, the pool");
	capture_free(&c);
}

/* More CPUs than one GET_STATUS message could hold: every row is printed. */
static void test_status_many_cpus(void)
{
	static struct tw_cpu cpus[512];
	struct tw_status st = { .version = "0.1.0", .cpus = cpus, .n_cpus = 512 };
	struct capture c;
	const char *out;
	size_t i;

	for (i = 0; i < 512; i++)
		cpus[i] = (struct tw_cpu){ i, 2, i == 511 };
	status_print_json(capture_begin(&c), &st);
	out = capture_end(&c);
	CHECK(json_valid(out, strlen(out)) &&
	      strstr(out, "{\"cpu\":511,\"written\":2,\"lost\":1}],\"events\""),
	      "status json: 512 CPUs, valid, the last one included");
	capture_free(&c);
	status_print_human(capture_begin(&c), &st);
	out = capture_end(&c);
	CHECK(strstr(out, "\n511                         2                    1\n"
		     "total                    1024                    1\n") != NULL,
	      "status text: 512 CPU rows and their total");
	capture_free(&c);
}

void test_output(void)
{
	test_event_json();
	test_event_human();
	test_event_wall_clock();
	test_summary_out();
	test_status_out();
	test_status_many_cpus();
}
