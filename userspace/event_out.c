// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "event_out.h"
#include "format.h"
#include "json.h"

void json_addr(struct json *j, const char *key, unsigned int family, const uint8_t *addr)
{
	char buf[TW_ADDRPORT_LEN];

	if (tw_addr_format(family, addr, buf, sizeof(buf)))
		json_null(j, key);
	else
		json_string(j, key, buf);
}

void json_evcounts(struct json *j, const struct tw_evcounts *evs)
{
	json_object_begin(j, "events");
	json_u64(j, "written", evs->written);
	json_u64(j, "lost", evs->lost);
	json_u64(j, "unsent", evs->unsent);
	json_object_end(j);
}

void json_tuple(struct json *j, const struct tw_tuple *t)
{
	json_string(j, "family", tw_family_name(t->family));
	json_addr(j, "saddr", t->family, t->saddr);
	json_u64(j, "sport", t->sport);
	json_addr(j, "daddr", t->family, t->daddr);
	json_u64(j, "dport", t->dport);
}

static void json_state(struct json *j, const char *key, const struct tw_event *ev,
		       unsigned int attr, unsigned int state)
{
	json_string(j, key, tw_event_has(ev, attr) ? tw_state_name(state) : NULL);
}

static void json_opt_u64(struct json *j, const char *key, const struct tw_event *ev,
			 unsigned int attr, uint64_t v)
{
	if (tw_event_has(ev, attr))
		json_u64(j, key, v);
}

static void json_head(struct json *j, const struct tw_event *ev)
{
	json_string(j, "type", tw_event_type_name(ev->type));
	json_u64(j, "seq", ev->seq);
	json_u64(j, "cpu", ev->cpu);
	json_u64(j, "ts_ns", ev->ts_ns);
}

static void json_socket_event(struct json *j, const struct tw_event *ev)
{
	json_string(j, "sk", tw_sk_kind_name(ev->sk));
	json_u64(j, "cookie", ev->cookie);
	json_u64(j, "netns", ev->netns);
	json_u64(j, "netns_cookie", ev->netns_cookie);
	json_tuple(j, &ev->t);
	json_state(j, "old", ev, TCPWATCH_A_EV_OLD, ev->old_state);
	json_state(j, "new", ev, TCPWATCH_A_EV_NEW, ev->new_state);
	if (tw_event_has(ev, TCPWATCH_A_EV_DWELL))
		json_u64(j, "dwell_ns", ev->dwell_ns);
	else
		json_null(j, "dwell_ns");
	json_u64(j, "pid", ev->pid);
	json_string(j, "comm", ev->comm);
	if (ev->reason)
		json_string(j, "reason", tw_reason_name(ev->reason));
	json_opt_u64(j, "syn_queue", ev, TCPWATCH_A_EV_SYN_QUEUE, ev->syn_queue);
	json_opt_u64(j, "accept_queue", ev, TCPWATCH_A_EV_ACCEPT_QUEUE, ev->accept_queue);
	json_opt_u64(j, "backlog", ev, TCPWATCH_A_EV_BACKLOG, ev->backlog);
}

void event_print_json(FILE *f, const struct tw_event *ev)
{
	struct json j;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_head(&j, ev);
	if (ev->type == TCPWATCH_EV_LOST)
		json_u64(&j, "lost", ev->lost);
	else
		json_socket_event(&j, ev);
	json_object_end(&j);
	fputc('\n', f);
}

#define HUMAN_FMT	"%*s %-4s %-24s %-21s %-21s %8s %s"
#define WIDE_FMT	"%-12s %-20s "

/* The TIME column: seconds since boot, or "2026-12-08 01:57:06.123456". */
static int time_width(unsigned int table)
{
	return table & TABLE_WALL_CLOCK ? 26 : 13;
}

void event_print_header(FILE *f, unsigned int table)
{
	if (table & TABLE_NO_HEADER)
		return;
	if (table & TABLE_WIDE)
		fprintf(f, WIDE_FMT, "CPU:SEQ", "COOKIE");
	fprintf(f, HUMAN_FMT "\n", time_width(table), "TIME", "SK", "TRANSITION", "LOCAL",
		"PEER", "DWELL", "PROCESS");
}

static const char *state_or_unknown(const struct tw_event *ev, unsigned int attr,
				    unsigned int state)
{
	const char *name = tw_event_has(ev, attr) ? tw_state_name(state) : NULL;

	return name ? name : "?";
}

static void human_what(const struct tw_event *ev, char *buf, size_t len)
{
	if (ev->type == TCPWATCH_EV_STATE)
		snprintf(buf, len, "%s>%s",
			 state_or_unknown(ev, TCPWATCH_A_EV_OLD, ev->old_state),
			 state_or_unknown(ev, TCPWATCH_A_EV_NEW, ev->new_state));
	else if (tw_event_type_name(ev->type))
		snprintf(buf, len, "%s", tw_event_type_name(ev->type));
	else
		snprintf(buf, len, "type %u", ev->type);
}

/* Overflow and SYN-drop records name the listener only: no peer. */
static void human_endpoint(const struct tw_event *ev, const uint8_t *addr,
			   uint16_t port, char *buf, size_t len)
{
	if ((!port && ev->type != TCPWATCH_EV_STATE) ||
	    tw_addrport_format(ev->t.family, addr, port, buf, len))
		snprintf(buf, len, "-");
}

void event_endpoints(const struct tw_event *ev, char *local, char *peer, size_t len)
{
	human_endpoint(ev, ev->t.saddr, ev->t.sport, local, len);
	human_endpoint(ev, ev->t.daddr, ev->t.dport, peer, len);
}

/* Reason and queue depths, when the kernel sent them. */
static void human_extras(FILE *f, const struct tw_event *ev)
{
	if (ev->reason)
		fprintf(f, " reason=%s", tw_reason_name(ev->reason) ?: "?");
	if (tw_event_has(ev, TCPWATCH_A_EV_SYN_QUEUE))
		fprintf(f, " synq=%" PRIu32, ev->syn_queue);
	if (tw_event_has(ev, TCPWATCH_A_EV_ACCEPT_QUEUE))
		fprintf(f, " acceptq=%" PRIu32, ev->accept_queue);
	if (tw_event_has(ev, TCPWATCH_A_EV_BACKLOG))
		fprintf(f, " backlog=%" PRIu32, ev->backlog);
}

/*
 * CLOCK_REALTIME less CLOCK_MONOTONIC (which ts_ns is), taken once: what
 * turns an event's time into the time of day, as dmesg -T does (a clock
 * set since then, or a suspend, shifts it the same way).
 */
static int64_t realtime_offset_ns(void)
{
	static int64_t offset;
	static bool known;
	struct timespec rt, mono;

	if (!known) {
		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		offset = (rt.tv_sec - mono.tv_sec) * 1000000000LL + (rt.tv_nsec - mono.tv_nsec);
		known = true;
	}
	return offset;
}

static void human_time(const struct tw_event *ev, unsigned int table, char *buf, size_t len)
{
	int64_t ns = (int64_t)ev->ts_ns + realtime_offset_ns();
	time_t sec = ns / 1000000000;
	struct tm tm;
	size_t n;

	if (!(table & TABLE_WALL_CLOCK) || ns < 0 || !localtime_r(&sec, &tm) ||
	    !(n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))) {
		snprintf(buf, len, "%" PRIu64 ".%06" PRIu64, ev->ts_ns / 1000000000,
			 ev->ts_ns / 1000 % 1000000);
		return;
	}
	snprintf(buf + n, len - n, ".%06" PRIu64, (uint64_t)ns / 1000 % 1000000);
}

static void human_lost(FILE *f, const struct tw_event *ev, const char *time, int width)
{
	fprintf(f, "%*s lost %" PRIu64 " events on cpu %" PRIu32
		" (overwritten in the kernel ring)\n", width, time, ev->lost, ev->cpu);
}

void event_print_human(FILE *f, const struct tw_event *ev, unsigned int table)
{
	char time[48], what[40], local[TW_ADDRPORT_LEN], peer[TW_ADDRPORT_LEN];
	char dwell[16] = "-", owner[TW_OWNER_LEN], cpuseq[32];

	if (table & TABLE_WIDE) {
		snprintf(cpuseq, sizeof(cpuseq), "%" PRIu32 ":%" PRIu64, ev->cpu, ev->seq);
		fprintf(f, "%-12s %-20" PRIu64 " ", cpuseq, ev->cookie);
	}
	human_time(ev, table, time, sizeof(time));
	if (ev->type == TCPWATCH_EV_LOST) {
		human_lost(f, ev, time, time_width(table));
		return;
	}
	human_what(ev, what, sizeof(what));
	event_endpoints(ev, local, peer, sizeof(local));
	if (tw_event_has(ev, TCPWATCH_A_EV_DWELL))
		tw_duration_format(ev->dwell_ns, dwell, sizeof(dwell));
	tw_owner_format(ev->pid, ev->comm, true, owner, sizeof(owner));
	fprintf(f, HUMAN_FMT, time_width(table), time, tw_sk_kind_short(ev->sk), what, local,
		peer, dwell, owner);
	human_extras(f, ev);
	fputc('\n', f);
}

/* --- tcpwatchd's output ------------------------------------------------- */

void evout_init(struct evout *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	o->path = path;
	o->fd = -1;
}

static const char *evout_name(const struct evout *o)
{
	return strcmp(o->path, "-") ? o->path : "standard output";
}

static void evout_close_fd(struct evout *o, FILE *err, const char *which)
{
	if (o->fd >= 0 && strcmp(o->path, "-") && close(o->fd))
		fprintf(err, "tcpwatchd: closing %s%s: %s\n", which, o->path, strerror(errno));
	o->fd = -1;
}

int evout_open(struct evout *o, FILE *err)
{
	int fd;

	if (!strcmp(o->path, "-")) {
		o->fd = STDOUT_FILENO;	/* nothing to reopen */
		return 0;
	}
	fd = open(o->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0) {
		int e = errno;

		fprintf(err, "tcpwatchd: %s%s: %s%s\n", o->fd >= 0 ? "reopening " : "", o->path,
			strerror(e), o->fd >= 0 ? "; still writing to the old file" : "");
		return -e;
	}
	evout_flush(o, err);	/* what came before SIGHUP goes to the old file */
	evout_close_fd(o, err, "the old ");
	o->fd = fd;
	o->torn = false;
	return 0;
}

/* 0 or -errno; @done counts what went out either way. */
static int write_all(int fd, const char *buf, size_t len, size_t *done)
{
	ssize_t n;

	for (*done = 0; *done < len; *done += n) {
		n = write(fd, buf + *done, len - *done);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			return n ? -errno : -EIO;
	}
	return 0;
}

/* @n lines lost to error @e: counted, and said unless that error was. */
static void evout_lost(struct evout *o, uint64_t n, int e, FILE *err)
{
	o->lost += n;
	o->err = e;
	if (o->said != e)
		fprintf(err, "tcpwatchd: writing events to %s: %s; counting the lines lost\n",
			evout_name(o), strerror(e));
	o->said = e;
}

static uint64_t count_lines(const char *s, size_t len)
{
	const char *end = s + len;
	uint64_t n = 0;

	while ((s = memchr(s, '\n', end - s))) {
		n++;
		s++;
	}
	return n;
}

/*
 * The lines whole up to where a write stopped went out; the rest are lost.
 * A line cut short (ENOSPC half-way) is ended first, so the next is whole.
 */
int evout_flush(struct evout *o, FILE *err)
{
	size_t done = 0;
	int ret = 0;

	if (!o->lines)
		return 0;
	if (fflush(o->pending)) {
		ret = -ENOMEM;
	} else if (o->torn) {
		ret = write_all(o->fd, "\n", 1, &done);
		o->torn = !!ret;
		done = 0;
	}
	if (!ret) {
		ret = write_all(o->fd, o->buf, o->len, &done);
		o->torn = ret && done && o->buf[done - 1] != '\n';
	}
	if (ret)
		evout_lost(o, o->lines - (done ? count_lines(o->buf, done) : 0), -ret, err);
	else
		o->err = 0;
	o->lines = 0;
	rewind(o->pending);
	return ret;
}

int evout_event(struct evout *o, const struct tw_event *ev, FILE *err)
{
	off_t start;

	if (!o->pending) {
		o->pending = open_memstream(&o->buf, &o->len);
		if (!o->pending) {
			evout_lost(o, 1, ENOMEM, err);
			return -ENOMEM;
		}
	}
	start = ftello(o->pending);
	event_print_json(o->pending, ev);
	if (ferror(o->pending)) {
		/* No memory for the whole line: take back what is there of it. */
		clearerr(o->pending);
		fseeko(o->pending, start, SEEK_SET);
		evout_lost(o, 1, ENOMEM, err);
		return -ENOMEM;
	}
	o->lines++;
	return ftello(o->pending) >= EVOUT_FLUSH_AT ? evout_flush(o, err) : 0;
}

void evout_report(struct evout *o, FILE *err)
{
	uint64_t lost = o->lost - o->reported;

	if (lost) {
		fprintf(err, "tcpwatchd: %" PRIu64 " event line%s lost writing to %s (%" PRIu64
			" in all); %s%s\n", lost, lost == 1 ? "" : "s", evout_name(o), o->lost,
			o->err ? "still failing: " : "writing again",
			o->err ? strerror(o->err) : "");
		o->reported = o->lost;
	}
	if (!o->err)
		o->said = 0;
}

void evout_close(struct evout *o, FILE *err)
{
	if (o->fd >= 0)
		evout_flush(o, err);
	evout_close_fd(o, err, "");
	if (o->pending)
		fclose(o->pending);
	free(o->buf);
	o->pending = NULL;
	o->buf = NULL;
	o->len = 0;
	o->lines = 0;
}
