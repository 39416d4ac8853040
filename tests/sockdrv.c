// SPDX-License-Identifier: GPL-2.0
/*
 * sockdrv - drive TCP sockets through scripted scenarios for tcpwatch's VM
 * tests. One scenario per subcommand; every step prints one line on stdout
 * ("connected 127.0.0.1:34567 -> 127.0.0.1:5000") so a test log reads like
 * the scenario. Every wait is bounded (--timeout-ms, default 10000): a stuck
 * scenario fails with a message instead of hanging the VM. Exit status 0 on
 * success, 1 on an unexpected error, 2 on bad usage.
 *
 * Addresses are numeric IPv4 or IPv6 ("127.0.0.1", "::1").
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *prog = "sockdrv";
static int timeout_ms = 10000;

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

#define die_errno(fmt, ...) die(fmt ": %s", ##__VA_ARGS__, strerror(errno))

static void __attribute__((format(printf, 1, 2))) step(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* ---- addresses ---------------------------------------------------------- */

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

static void parse_addr(const char *host, const char *port, struct addr *a)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;
	char *end;
	long p;

	p = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || p < 0 || p > 65535)
		die("bad port '%s'", port);

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p);
		a->len = sizeof(*s6);
	} else if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(p);
		a->len = sizeof(*s4);
	} else {
		die("bad address '%s' (numeric IPv4 or IPv6 expected)", host);
	}
}

/* Format "127.0.0.1:5000" or "[::1]:5000"; one of two static buffers. */
static const char *fmt_sa(const struct sockaddr_storage *ss)
{
	static char bufs[2][INET6_ADDRSTRLEN + 8];
	static int n;
	char *buf = bufs[n++ & 1];
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, sizeof(bufs[0]), "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, sizeof(bufs[0]), "%s:%u", host, ntohs(s4->sin_port));
	}
	return buf;
}

static const char *local_name(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die_errno("getsockname");
	return fmt_sa(&ss);
}

static const char *peer_name(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return "(unconnected)";
	return fmt_sa(&ss);
}

/* ---- bounded socket primitives ----------------------------------------- */

static void wait_fd(int fd, short events, const char *what)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		die_errno("poll while waiting for %s", what);
	if (ret == 0)
		die("timed out after %d ms waiting for %s", timeout_ms, what);
}

static void set_int_opt(int fd, int level, int name, int val, const char *what)
{
	if (setsockopt(fd, level, name, &val, sizeof(val)) < 0)
		die_errno("setsockopt %s", what);
}

static void set_linger0(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) < 0)
		die_errno("setsockopt SO_LINGER {1,0}");
}

static int tcp_socket(const struct addr *a)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);

	if (fd < 0)
		die_errno("socket");
	return fd;
}

struct listen_opts {
	int backlog;
	bool reuseaddr;
	bool reuseport;
};

static int do_listen(const struct addr *a, const struct listen_opts *o)
{
	int fd = tcp_socket(a);

	if (o->reuseaddr)
		set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
	if (o->reuseport)
		set_int_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT");
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		die_errno("bind %s", fmt_sa(&a->ss));
	if (listen(fd, o->backlog) < 0)
		die_errno("listen on %s", fmt_sa(&a->ss));
	return fd;
}

/*
 * Connect with a bounded wait. Returns the socket, or -errno when the
 * connection failed (the caller decides whether that was expected).
 */
static int do_connect(const struct addr *a)
{
	int fd = tcp_socket(a), err = 0, flags;
	socklen_t len = sizeof(err);

	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			close(fd);
			return -err;
		}
		wait_fd(fd, POLLOUT, "the connection to complete");
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			die_errno("getsockopt SO_ERROR");
		if (err) {
			close(fd);
			return -err;
		}
	}
	fcntl(fd, F_SETFL, flags);
	return fd;
}

/*
 * do_connect() with a bound local port (SO_REUSEADDR if @reuseaddr) and/or
 * keepalive {idle, interval, count} seconds (ka[0] == 0: none).
 */
static int do_connect_opts(const struct addr *a, int port, bool reuseaddr, const int ka[3])
{
	struct addr local = *a;
	int fd = tcp_socket(a), err = 0;
	socklen_t len = sizeof(err);

	if (port >= 0) {
		if (reuseaddr)
			set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
		if (local.ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&local.ss)->sin6_port = htons(port);
		else
			((struct sockaddr_in *)&local.ss)->sin_port = htons(port);
		if (bind(fd, (struct sockaddr *)&local.ss, local.len) < 0)
			die_errno("bind %s", fmt_sa(&local.ss));
	}
	if (ka[0]) {
		set_int_opt(fd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
		set_int_opt(fd, IPPROTO_TCP, TCP_KEEPIDLE, ka[0], "TCP_KEEPIDLE");
		set_int_opt(fd, IPPROTO_TCP, TCP_KEEPINTVL, ka[1], "TCP_KEEPINTVL");
		set_int_opt(fd, IPPROTO_TCP, TCP_KEEPCNT, ka[2], "TCP_KEEPCNT");
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			close(fd);
			return -err;
		}
		wait_fd(fd, POLLOUT, "the connection to complete");
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			die_errno("getsockopt SO_ERROR");
		if (err) {
			close(fd);
			return -err;
		}
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* Accept with a bounded wait; the peer's name goes to peer[] if given. */
static int do_accept(int lfd, char *peer, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	wait_fd(lfd, POLLIN, "a connection to accept");
	fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd < 0)
		die_errno("accept");
	if (peer)
		snprintf(peer, size, "%s", fmt_sa(&ss));
	return fd;
}

/* Bytes read_to_eof() read on its last call. */
static long bytes_read;

/*
 * Read and discard until the peer's FIN (returns 0), an RST (-ECONNRESET)
 * or a connection timeout, e.g. keepalive probes unanswered (-ETIMEDOUT).
 */
static int read_to_eof(int fd)
{
	char buf[4096];
	ssize_t n;

	bytes_read = 0;
	for (;;) {
		wait_fd(fd, POLLIN, "the peer to close");
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNRESET || errno == ETIMEDOUT)
				return -errno;
			die_errno("read");
		}
		bytes_read += n;
	}
}

/* Write @len bytes (a blocking socket). */
static void write_bytes(int fd, long len)
{
	char buf[4096];
	ssize_t n;

	memset(buf, 'x', sizeof(buf));
	while (len > 0) {
		n = write(fd, buf, len < (long)sizeof(buf) ? len : (long)sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die_errno("write");
		}
		len -= n;
	}
}

static void __attribute__((noreturn)) hold_forever(const char *why)
{
	step("%s; holding until killed (pid %d)", why, getpid());
	for (;;)
		pause();
}

static void write_pidfile(const char *path)
{
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "w");
	if (!f)
		die_errno("open pidfile %s", path);
	fprintf(f, "%d\n", getpid());
	if (fclose(f))
		die_errno("write pidfile %s", path);
}

static int parse_num(const char *s, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || v < min || v > max)
		die("bad %s '%s' (expected %ld..%ld)", what, s, min, max);
	return v;
}

/* ---- scenarios ---------------------------------------------------------- */

enum {
	OPT_BACKLOG = 256, OPT_NO_ACCEPT, OPT_NO_CLOSE, OPT_COUNT, OPT_PIDFILE,
	OPT_REUSEADDR, OPT_CLOSE_FIRST, OPT_WAIT_EOF, OPT_EXPECT_REFUSED,
	OPT_LINGER0, OPT_SHUTDOWN, OPT_HOLD_MS, OPT_HOLD, OPT_WORKERS, OPT_TIMEOUT_MS,
	OPT_REPLY, OPT_DEFER_ACCEPT, OPT_BIND_PORT, OPT_KEEPALIVE, OPT_DATA,
	OPT_WAIT_MS, OPT_USR1_DATA, OPT_EXPECT_INUSE, OPT_FIN_WAIT2, OPT_REUSEPORT,
};

#define COMMON_OPTS { "timeout-ms", required_argument, NULL, OPT_TIMEOUT_MS }

static bool common_opt(int c, const char *arg)
{
	if (c != OPT_TIMEOUT_MS)
		return false;
	timeout_ms = parse_num(arg, "--timeout-ms", 1, 3600000);
	return true;
}

static void __attribute__((noreturn)) usage_error(const char *usage)
{
	fprintf(stderr, "usage: %s %s\n", prog, usage);
	exit(2);
}

static void want_args(int argc, int n, const char *usage)
{
	if (argc - optind != n)
		usage_error(usage);
}

static const char serve_usage[] =
	"serve ADDR PORT [--backlog N] [--count N] [--no-accept] [--no-close]\n"
	"      [--reuseaddr] [--reuseport] [--linger0] [--close-first]\n"
	"      [--reply BYTES] [--defer-accept SECS] [--pidfile FILE]\n"
	"      [--timeout-ms MS]\n"
	"  Listen; accept --count connections (default 1, 0 = until killed), read\n"
	"  each until EOF, then close it (--no-close: keep it in CLOSE_WAIT;\n"
	"  --reply: write BYTES after the EOF, before closing; --close-first:\n"
	"  close right after accept(), before the peer does). --defer-accept:\n"
	"  TCP_DEFER_ACCEPT, a connection is queued only once data arrives.\n"
	"  --reuseport: SO_REUSEPORT before bind(), so that several servers share\n"
	"  ADDR:PORT in one reuseport group (net.ipv4.tcp_migrate_req moves a\n"
	"  closed one's requests to another).\n"
	"  Prints \"listening ADDR:PORT ...\" once the listener is ready.";

static int serve_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "backlog", required_argument, NULL, OPT_BACKLOG },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "no-accept", no_argument, NULL, OPT_NO_ACCEPT },
		{ "no-close", no_argument, NULL, OPT_NO_CLOSE },
		{ "reuseaddr", no_argument, NULL, OPT_REUSEADDR },
		{ "reuseport", no_argument, NULL, OPT_REUSEPORT },
		{ "linger0", no_argument, NULL, OPT_LINGER0 },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "close-first", no_argument, NULL, OPT_CLOSE_FIRST },
		{ "reply", required_argument, NULL, OPT_REPLY },
		{ "defer-accept", required_argument, NULL, OPT_DEFER_ACCEPT },
		COMMON_OPTS, { 0 }
	};
	struct listen_opts lo = { .backlog = 128 };
	bool no_accept = false, no_close = false, linger0 = false, close_first = false;
	long reply = 0, defer = -1;
	char peer[INET6_ADDRSTRLEN + 8];
	const char *pidfile = NULL;
	long count = 1, i;
	struct addr a;
	int c, lfd, fd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_BACKLOG: lo.backlog = parse_num(optarg, "--backlog", 0, 65535); break;
		case OPT_COUNT: count = parse_num(optarg, "--count", 0, 1000000); break;
		case OPT_NO_ACCEPT: no_accept = true; break;
		case OPT_NO_CLOSE: no_close = true; break;
		case OPT_REUSEADDR: lo.reuseaddr = true; break;
		case OPT_REUSEPORT: lo.reuseport = true; break;
		case OPT_LINGER0: linger0 = true; break;
		case OPT_PIDFILE: pidfile = optarg; break;
		case OPT_CLOSE_FIRST: close_first = true; break;
		case OPT_REPLY: reply = parse_num(optarg, "--reply", 0, 1 << 30); break;
		case OPT_DEFER_ACCEPT: defer = parse_num(optarg, "--defer-accept", 0, 3600); break;
		default: if (!common_opt(c, optarg)) usage_error(serve_usage);
		}
	}
	want_args(argc, 2, serve_usage);
	parse_addr(argv[optind], argv[optind + 1], &a);

	lfd = do_listen(&a, &lo);
	if (defer >= 0)
		set_int_opt(lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, defer, "TCP_DEFER_ACCEPT");
	write_pidfile(pidfile);
	step("listening %s backlog %d pid %d", local_name(lfd), lo.backlog, getpid());
	if (no_accept)
		hold_forever("not accepting");

	for (i = 0; count == 0 || i < count; i++) {
		/* An open-ended server waits for clients as long as it lives. */
		if (count == 0)
			timeout_ms = -1;
		fd = do_accept(lfd, peer, sizeof(peer));
		step("accepted %s <- %s", local_name(fd), peer);
		if (close_first) {
			step("closing first %s <- %s", local_name(fd), peer);
			close(fd);
			continue;
		}
		if (read_to_eof(fd) == -ECONNRESET) {
			step("reset by %s", peer);
			close(fd);
			continue;
		}
		step("eof from %s", peer);
		if (reply) {
			write_bytes(fd, reply);
			step("replied %ld bytes to %s", reply, peer);
		}
		if (no_close)
			continue;	/* the socket stays in CLOSE_WAIT */
		if (linger0)
			set_linger0(fd);
		step("closing %s <- %s%s", local_name(fd), peer, linger0 ? " with RST" : "");
		close(fd);
	}
	if (no_close)
		hold_forever("not closing the accepted sockets");
	close(lfd);
	step("done");
	return 0;
}

static const char connect_usage[] =
	"connect ADDR PORT [--close-first | --wait-eof] [--expect-refused]\n"
	"      [--linger0] [--shutdown rd|wr|rdwr [--fin-wait2]] [--hold-ms MS] [--hold]\n"
	"      [--bind-port P [--reuseaddr]] [--keepalive IDLE,INTVL,CNT]\n"
	"      [--timeout-ms MS]\n"
	"  Connect, then close first (default), or read until the server closes\n"
	"  (--wait-eof; a reset or a keepalive timeout ends it too). --hold: do\n"
	"  not close, hold until killed. --bind-port: bind the client to port P\n"
	"  first. --expect-refused: succeed only on ECONNREFUSED. --fin-wait2:\n"
	"  after shutdown, wait (up to 5 s) for the peer to ack the FIN, so close()\n"
	"  hands the socket straight to a timewait socket in FIN_WAIT2.";

/*
 * An orphaned FIN_WAIT1 socket whose ACK comes while close() holds the
 * socket lock stays a full socket in FIN_WAIT2 (tcp_rcv_state_process());
 * closed in FIN_WAIT2 it goes to a timewait socket at once (__tcp_close()).
 */
static void wait_for_fin_wait2(int fd)
{
	struct tcp_info ti;
	socklen_t len;
	int i;

	for (i = 0; i < 500; i++) {
		len = sizeof(ti);
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
			die_errno("getsockopt TCP_INFO");
		if (ti.tcpi_state == TCP_FIN_WAIT2) {
			step("fin_wait2 %s", local_name(fd));
			return;
		}
		usleep(10000);
	}
	die("%s did not reach FIN_WAIT2 in 5 s", local_name(fd));
}

static int connect_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "close-first", no_argument, NULL, OPT_CLOSE_FIRST },
		{ "wait-eof", no_argument, NULL, OPT_WAIT_EOF },
		{ "expect-refused", no_argument, NULL, OPT_EXPECT_REFUSED },
		{ "linger0", no_argument, NULL, OPT_LINGER0 },
		{ "shutdown", required_argument, NULL, OPT_SHUTDOWN },
		{ "fin-wait2", no_argument, NULL, OPT_FIN_WAIT2 },
		{ "hold-ms", required_argument, NULL, OPT_HOLD_MS },
		{ "hold", no_argument, NULL, OPT_HOLD },
		{ "bind-port", required_argument, NULL, OPT_BIND_PORT },
		{ "reuseaddr", no_argument, NULL, OPT_REUSEADDR },
		{ "keepalive", required_argument, NULL, OPT_KEEPALIVE },
		COMMON_OPTS, { 0 }
	};
	bool wait_eof = false, expect_refused = false, linger0 = false, hold = false;
	bool reuseaddr = false, fin_wait2 = false;
	int c, fd, how = -1, hold_ms = 0, bind_port = -1, ka[3] = { 0 }, ret;
	struct addr a;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CLOSE_FIRST: wait_eof = false; break;
		case OPT_WAIT_EOF: wait_eof = true; break;
		case OPT_EXPECT_REFUSED: expect_refused = true; break;
		case OPT_LINGER0: linger0 = true; break;
		case OPT_SHUTDOWN:
			if (!strcmp(optarg, "rd"))
				how = SHUT_RD;
			else if (!strcmp(optarg, "wr"))
				how = SHUT_WR;
			else if (!strcmp(optarg, "rdwr"))
				how = SHUT_RDWR;
			else
				usage_error(connect_usage);
			break;
		case OPT_HOLD_MS: hold_ms = parse_num(optarg, "--hold-ms", 0, 3600000); break;
		case OPT_HOLD: hold = true; break;
		case OPT_FIN_WAIT2: fin_wait2 = true; break;
		case OPT_BIND_PORT: bind_port = parse_num(optarg, "--bind-port", 1, 65535); break;
		case OPT_REUSEADDR: reuseaddr = true; break;
		case OPT_KEEPALIVE:
			if (sscanf(optarg, "%d,%d,%d", &ka[0], &ka[1], &ka[2]) != 3 ||
			    ka[0] < 1 || ka[1] < 1 || ka[2] < 1)
				usage_error(connect_usage);
			break;
		default: if (!common_opt(c, optarg)) usage_error(connect_usage);
		}
	}
	want_args(argc, 2, connect_usage);
	parse_addr(argv[optind], argv[optind + 1], &a);

	if (bind_port >= 0 || ka[0])
		fd = do_connect_opts(&a, bind_port, reuseaddr, ka);
	else
		fd = do_connect(&a);
	if (fd < 0) {
		if (expect_refused && fd == -ECONNREFUSED) {
			step("refused %s (ECONNREFUSED, as expected)", fmt_sa(&a.ss));
			return 0;
		}
		die("connect to %s: %s", fmt_sa(&a.ss), strerror(-fd));
	}
	step("connected %s -> %s", local_name(fd), fmt_sa(&a.ss));
	if (expect_refused)
		die("connect to %s succeeded, expected ECONNREFUSED", fmt_sa(&a.ss));

	if (hold_ms) {
		usleep(hold_ms * 1000L);
		step("held %d ms", hold_ms);
	}
	if (how >= 0) {
		if (shutdown(fd, how) < 0)
			die_errno("shutdown");
		step("shutdown %s %s", how == SHUT_RD ? "SHUT_RD" : how == SHUT_WR ? "SHUT_WR" : "SHUT_RDWR",
		     local_name(fd));
	}
	if (fin_wait2) {
		if (how != SHUT_WR && how != SHUT_RDWR)
			usage_error(connect_usage);
		wait_for_fin_wait2(fd);
	}
	if (wait_eof) {
		ret = read_to_eof(fd);
		if (ret == -ECONNRESET || ret == -ETIMEDOUT) {
			step("%s %s after %ld bytes", ret == -ECONNRESET ? "reset by" : "timed out (ETIMEDOUT) on",
			     fmt_sa(&a.ss), bytes_read);
			close(fd);
			return 0;
		}
		step("eof from %s after %ld bytes", fmt_sa(&a.ss), bytes_read);
	}
	if (hold)
		hold_forever("not closing");
	if (linger0)
		set_linger0(fd);
	step("closing %s -> %s%s", local_name(fd), fmt_sa(&a.ss), linger0 ? " with RST" : "");
	close(fd);
	return 0;
}

/*
 * One connection, both ends in this process: the client closes first, the
 * server reads the FIN and closes (client: FIN_WAIT1 -> FIN_WAIT2 ->
 * TIME_WAIT; server: CLOSE_WAIT -> LAST_ACK -> CLOSE).
 */
static void one_connection(int lfd, const struct addr *a, bool verbose, bool linger0)
{
	int cfd, sfd;

	cfd = do_connect(a);
	if (cfd < 0)
		die("connect to %s: %s", fmt_sa(&a->ss), strerror(-cfd));
	if (verbose)
		step("connected %s -> %s", local_name(cfd), fmt_sa(&a->ss));
	sfd = do_accept(lfd, NULL, 0);
	if (verbose)
		step("accepted %s <- %s", local_name(sfd), peer_name(sfd));
	if (linger0)
		set_linger0(cfd);
	if (verbose)
		step("client closing %s%s", local_name(cfd), linger0 ? " with RST" : "");
	close(cfd);
	if (read_to_eof(sfd) == -ECONNRESET) {
		if (verbose)
			step("server got reset, closing %s", local_name(sfd));
	} else if (verbose) {
		step("server got eof, closing %s", local_name(sfd));
	}
	close(sfd);
}

static const char handshake_usage[] =
	"handshake ADDR PORT [--linger0] [--hold] [--timeout-ms MS]\n"
	"  Listen, connect, accept; the client closes first, the server reads EOF\n"
	"  and closes (--linger0: the client aborts with RST). --hold: stop after\n"
	"  the handshake, both ends ESTABLISHED, until killed.";

static int handshake_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "linger0", no_argument, NULL, OPT_LINGER0 },
		{ "hold", no_argument, NULL, OPT_HOLD },
		COMMON_OPTS, { 0 }
	};
	struct listen_opts lo = { .backlog = 16, .reuseaddr = true };
	bool linger0 = false, hold = false;
	struct addr a;
	int c, lfd, cfd, sfd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_LINGER0)
			linger0 = true;
		else if (c == OPT_HOLD)
			hold = true;
		else if (!common_opt(c, optarg))
			usage_error(handshake_usage);
	}
	want_args(argc, 2, handshake_usage);
	parse_addr(argv[optind], argv[optind + 1], &a);

	lfd = do_listen(&a, &lo);
	step("listening %s", local_name(lfd));
	if (hold) {
		cfd = do_connect(&a);
		if (cfd < 0)
			die("connect to %s: %s", fmt_sa(&a.ss), strerror(-cfd));
		step("connected %s -> %s", local_name(cfd), fmt_sa(&a.ss));
		sfd = do_accept(lfd, NULL, 0);
		step("accepted %s <- %s", local_name(sfd), peer_name(sfd));
		hold_forever("established");
	}
	one_connection(lfd, &a, true, linger0);
	close(lfd);
	step("listener closed");
	return 0;
}

/*
 * One connection from local port @port in which the server closes first:
 * the server's TIME_WAIT stays, and the next round's SYN from the same
 * port takes it over (reason reused), so timewait sockets come and go fast.
 */
static void reuse_connection(int lfd, const struct addr *a, int port)
{
	static const int no_keepalive[3];
	int cfd, sfd, tries = 0;

	/* The last round's client may still wait in LAST_ACK for a moment. */
	while ((cfd = do_connect_opts(a, port, true, no_keepalive)) == -EADDRNOTAVAIL) {
		if (++tries == 1000)
			die("connect from port %d: the 4-tuple stayed in use for 1000 tries", port);
		usleep(1000);
	}
	if (cfd < 0)
		die("connect from port %d to %s: %s", port, fmt_sa(&a->ss), strerror(-cfd));
	sfd = do_accept(lfd, NULL, 0);
	close(sfd);
	read_to_eof(cfd);
	close(cfd);
}

static const char churn_usage[] =
	"churn ADDR PORT N [--workers W] [--close-first --bind-port P | --linger0]\n"
	"      [--timeout-ms MS]\n"
	"  N full connect/accept/close cycles on one listener, split over W\n"
	"  forked workers (default: one per online CPU), worker i pinned to CPU i.\n"
	"  --close-first --bind-port P: the server closes first and worker i\n"
	"  connects from port P+i each time, so each SYN reuses a TIME_WAIT.\n"
	"  --linger0: the client closes with SO_LINGER {1,0}, an RST: no TIME_WAIT.";

static int churn_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "close-first", no_argument, NULL, OPT_CLOSE_FIRST },
		{ "bind-port", required_argument, NULL, OPT_BIND_PORT },
		{ "linger0", no_argument, NULL, OPT_LINGER0 },
		COMMON_OPTS, { 0 }
	};
	struct listen_opts lo = { .backlog = 1024, .reuseaddr = true };
	long n, ncpu = sysconf(_SC_NPROCESSORS_ONLN), workers = 0, w;
	int c, lfd, status, failed = 0, bind_port = -1;
	bool close_first = false, linger0 = false;
	struct addr a;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_WORKERS)
			workers = parse_num(optarg, "--workers", 1, 64);
		else if (c == OPT_CLOSE_FIRST)
			close_first = true;
		else if (c == OPT_BIND_PORT)
			bind_port = parse_num(optarg, "--bind-port", 1, 65535 - 64);
		else if (c == OPT_LINGER0)
			linger0 = true;
		else if (!common_opt(c, optarg))
			usage_error(churn_usage);
	}
	want_args(argc, 3, churn_usage);
	if (close_first != (bind_port > 0) || (close_first && linger0))
		usage_error(churn_usage);
	parse_addr(argv[optind], argv[optind + 1], &a);
	n = parse_num(argv[optind + 2], "N", 1, 10000000);
	if (ncpu < 1)
		ncpu = 1;
	if (!workers)
		workers = ncpu;

	lfd = do_listen(&a, &lo);
	step("listening %s; %ld connections over %ld workers", local_name(lfd), n, workers);

	/*
	 * Workers share the listener, so a worker may accept another worker's
	 * connection. Each worker closes its own client before it waits for EOF
	 * on what it accepted, so every wait ends.
	 */
	for (w = 0; w < workers; w++) {
		long mine = n / workers + (w < n % workers);

		pid = fork();
		if (pid < 0)
			die_errno("fork");
		if (pid == 0) {
			cpu_set_t set;
			long i;

			CPU_ZERO(&set);
			CPU_SET(w % ncpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set) < 0)
				die_errno("sched_setaffinity cpu %ld", w % ncpu);
			for (i = 0; i < mine; i++) {
				if (close_first)
					reuse_connection(lfd, &a, bind_port + w);
				else
					one_connection(lfd, &a, false, linger0);
			}
			step("worker %ld on cpu %ld: %ld connections done", w, w % ncpu, mine);
			_exit(0);
		}
	}
	while ((pid = wait(&status)) > 0) {
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "%s: churn worker %d failed (status 0x%x)\n", prog, pid, status);
			failed++;
		}
	}
	close(lfd);
	if (failed)
		die("%d churn worker(s) failed", failed);
	step("churn done: %ld connections", n);
	return 0;
}

static const char overflow_usage[] =
	"overflow ADDR PORT N [--backlog B] [--timeout-ms MS]\n"
	"  Listen with backlog B (default 8) and never accept; fill the accept\n"
	"  queue with B+1 connections, then N times open a socket, connect\n"
	"  without waiting and close it: each SYN meets a full accept queue and\n"
	"  is dropped (ListenOverflows), the client goes SYN_SENT -> CLOSE.";

static int overflow_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "backlog", required_argument, NULL, OPT_BACKLOG },
		COMMON_OPTS, { 0 }
	};
	struct listen_opts lo = { .backlog = 8, .reuseaddr = true };
	long n, i, connected = 0;
	int c, lfd, fd, *held;
	struct addr a;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_BACKLOG)
			lo.backlog = parse_num(optarg, "--backlog", 0, 4096);
		else if (!common_opt(c, optarg))
			usage_error(overflow_usage);
	}
	want_args(argc, 3, overflow_usage);
	parse_addr(argv[optind], argv[optind + 1], &a);
	n = parse_num(argv[optind + 2], "N", 1, 10000000);
	held = calloc(lo.backlog + 1, sizeof(*held));
	if (!held)
		die("out of memory");

	lfd = do_listen(&a, &lo);
	for (i = 0; i <= lo.backlog; i++) {
		held[i] = do_connect(&a);
		if (held[i] < 0)
			die("connect %ld to %s: %s", i, fmt_sa(&a.ss), strerror(-held[i]));
	}
	step("listening %s, accept queue full with %d connections", local_name(lfd),
	     lo.backlog + 1);
	for (i = 0; i < n; i++) {
		fd = tcp_socket(&a);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (connect(fd, (const struct sockaddr *)&a.ss, a.len) == 0)
			connected++;
		else if (errno != EINPROGRESS)
			die_errno("connect %ld to %s", i, fmt_sa(&a.ss));
		close(fd);
	}
	for (i = 0; i <= lo.backlog; i++)
		close(held[i]);
	close(lfd);
	free(held);
	step("overflow done: %ld attempts, %ld connected at once", n, connected);
	return 0;
}

static const char closewait_usage[] =
	"closewait ADDR PORT [--count N] [--pidfile FILE] [--timeout-ms MS]\n"
	"  Listen, connect, accept N times; each client closes, the server reads\n"
	"  EOF and never closes: N sockets stay in CLOSE_WAIT until killed.";

static int closewait_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		COMMON_OPTS, { 0 }
	};
	struct listen_opts lo = { .backlog = 128, .reuseaddr = true };
	const char *pidfile = NULL;
	long count = 1, i;
	int c, lfd, cfd, sfd;
	struct addr a;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_COUNT)
			count = parse_num(optarg, "--count", 1, 100000);
		else if (c == OPT_PIDFILE)
			pidfile = optarg;
		else if (!common_opt(c, optarg))
			usage_error(closewait_usage);
	}
	want_args(argc, 2, closewait_usage);
	parse_addr(argv[optind], argv[optind + 1], &a);

	write_pidfile(pidfile);
	lfd = do_listen(&a, &lo);
	step("listening %s", local_name(lfd));
	for (i = 0; i < count; i++) {
		cfd = do_connect(&a);
		if (cfd < 0)
			die("connect to %s: %s", fmt_sa(&a.ss), strerror(-cfd));
		sfd = do_accept(lfd, NULL, 0);
		step("accepted %s <- %s", local_name(sfd), peer_name(sfd));
		close(cfd);
		if (read_to_eof(sfd))
			die("server %s got a reset, expected a FIN", local_name(sfd));
		step("server %s got eof, not closing (CLOSE_WAIT)", local_name(sfd));
	}
	close(lfd);
	hold_forever("closewait ready");
}

static const char clients_usage[] =
	"clients ADDR PORT N [--data] [--usr1-data] [--wait-ms MS] [--pidfile FILE]\n"
	"  Open N connections one after another (non-blocking connect, up to\n"
	"  --wait-ms, default 1000, for each handshake: \"connected I LOCAL\" or\n"
	"  \"pending I LOCAL\"); --data: write one byte on each connected one.\n"
	"  Then \"clients ready\", and hold until killed, reporting \"reset I\",\n"
	"  \"eof I\" or \"connected I\" as the sockets change. --usr1-data: on\n"
	"  SIGUSR1 write one byte on every connected socket (\"sent I\").";

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static int clients_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", no_argument, NULL, OPT_DATA },
		{ "usr1-data", no_argument, NULL, OPT_USR1_DATA },
		{ "wait-ms", required_argument, NULL, OPT_WAIT_MS },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		COMMON_OPTS, { 0 }
	};
	enum { PENDING, CONNECTED, DONE };
	bool data = false, usr1 = false;
	const char *pidfile = NULL;
	int c, i, n, wait_ms = 1000, err, ret;
	struct pollfd *pfd;
	socklen_t len;
	struct addr a;
	int *st;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA: data = true; break;
		case OPT_USR1_DATA: usr1 = true; break;
		case OPT_WAIT_MS: wait_ms = parse_num(optarg, "--wait-ms", 0, 600000); break;
		case OPT_PIDFILE: pidfile = optarg; break;
		default: if (!common_opt(c, optarg)) usage_error(clients_usage);
		}
	}
	want_args(argc, 3, clients_usage);
	parse_addr(argv[optind], argv[optind + 1], &a);
	n = parse_num(argv[optind + 2], "N", 1, 10000);
	pfd = calloc(n, sizeof(*pfd));
	st = calloc(n, sizeof(*st));
	if (!pfd || !st)
		die("out of memory");
	if (usr1) {
		struct sigaction sa = { .sa_handler = on_usr1 };

		sigaction(SIGUSR1, &sa, NULL);
	}
	write_pidfile(pidfile);

	for (i = 0; i < n; i++) {
		pfd[i].fd = tcp_socket(&a);
		fcntl(pfd[i].fd, F_SETFL, fcntl(pfd[i].fd, F_GETFL) | O_NONBLOCK);
		if (connect(pfd[i].fd, (const struct sockaddr *)&a.ss, a.len) < 0 && errno != EINPROGRESS)
			die_errno("connect %d to %s", i, fmt_sa(&a.ss));
		pfd[i].events = POLLOUT;
		do {
			ret = poll(&pfd[i], 1, wait_ms);
		} while (ret < 0 && errno == EINTR);
		if (ret > 0) {
			len = sizeof(err);
			getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err)
				die("connect %d to %s: %s", i, fmt_sa(&a.ss), strerror(err));
			st[i] = CONNECTED;
			pfd[i].events = POLLIN;
			step("connected %d %s", i, local_name(pfd[i].fd));
			if (data && write(pfd[i].fd, "d", 1) != 1)
				die_errno("write on connection %d", i);
		} else {
			step("pending %d %s", i, local_name(pfd[i].fd));
		}
	}
	step("clients ready (pid %d)", getpid());

	for (;;) {
		char buf[4096];

		ret = poll(pfd, n, -1);
		if (ret < 0 && errno != EINTR)
			die_errno("poll");
		if (got_usr1) {
			got_usr1 = 0;
			for (i = 0; i < n; i++) {
				if (st[i] != CONNECTED)
					continue;
				if (write(pfd[i].fd, "u", 1) != 1)
					step("send %d failed: %s", i, strerror(errno));
				else
					step("sent %d", i);
			}
		}
		if (ret <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (st[i] == PENDING) {
				len = sizeof(err);
				getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
				if (err) {
					step("failed %d: %s", i, strerror(err));
					st[i] = DONE;
					pfd[i].fd = -pfd[i].fd - 1;
					continue;
				}
				st[i] = CONNECTED;
				pfd[i].events = POLLIN;
				step("connected %d %s", i, local_name(pfd[i].fd));
				continue;
			}
			ret = read(pfd[i].fd, buf, sizeof(buf));
			if (ret > 0)
				continue;
			if (ret < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			step(ret == 0 ? "eof %d" : "reset %d: %s", i, ret ? strerror(errno) : "");
			st[i] = DONE;
			pfd[i].fd = -pfd[i].fd - 1;	/* poll ignores it, kept open */
		}
	}
}

static const char bind_usage[] =
	"bind ADDR PORT [--reuseaddr] [--expect-inuse]\n"
	"  bind() a TCP socket to ADDR:PORT (SO_REUSEADDR with --reuseaddr) and\n"
	"  listen(). --expect-inuse: succeed only when bind() fails EADDRINUSE.";

static int bind_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reuseaddr", no_argument, NULL, OPT_REUSEADDR },
		{ "expect-inuse", no_argument, NULL, OPT_EXPECT_INUSE },
		COMMON_OPTS, { 0 }
	};
	bool reuseaddr = false, expect_inuse = false;
	struct addr a;
	int c, fd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_REUSEADDR)
			reuseaddr = true;
		else if (c == OPT_EXPECT_INUSE)
			expect_inuse = true;
		else if (!common_opt(c, optarg))
			usage_error(bind_usage);
	}
	want_args(argc, 2, bind_usage);
	parse_addr(argv[optind], argv[optind + 1], &a);
	fd = tcp_socket(&a);
	if (reuseaddr)
		set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
	if (bind(fd, (const struct sockaddr *)&a.ss, a.len) < 0) {
		if (expect_inuse && errno == EADDRINUSE) {
			step("bind %s%s: EADDRINUSE, as expected", fmt_sa(&a.ss),
			     reuseaddr ? " with SO_REUSEADDR" : "");
			return 0;
		}
		die_errno("bind %s%s", fmt_sa(&a.ss), reuseaddr ? " with SO_REUSEADDR" : "");
	}
	if (listen(fd, 1) < 0)
		die_errno("listen on %s", fmt_sa(&a.ss));
	step("bound and listening %s%s", local_name(fd), reuseaddr ? " with SO_REUSEADDR" : "");
	if (expect_inuse)
		die("bind %s succeeded, expected EADDRINUSE", fmt_sa(&a.ss));
	close(fd);
	return 0;
}

static const char selfconnect_usage[] =
	"selfconnect ADDR PORT [--hold]\n"
	"  Bind to ADDR:PORT and connect to ADDR:PORT: the socket meets its own\n"
	"  SYN (simultaneous open, SYN_SENT -> SYN_RECV -> ESTABLISHED). Then\n"
	"  close (or with --hold, hold until killed).";

static int selfconnect_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hold", no_argument, NULL, OPT_HOLD },
		COMMON_OPTS, { 0 }
	};
	bool hold = false;
	struct addr a;
	int c, fd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_HOLD)
			hold = true;
		else if (!common_opt(c, optarg))
			usage_error(selfconnect_usage);
	}
	want_args(argc, 2, selfconnect_usage);
	parse_addr(argv[optind], argv[optind + 1], &a);
	fd = tcp_socket(&a);
	set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
	if (bind(fd, (const struct sockaddr *)&a.ss, a.len) < 0)
		die_errno("bind %s", fmt_sa(&a.ss));
	if (connect(fd, (const struct sockaddr *)&a.ss, a.len) < 0)
		die_errno("connect %s to itself", fmt_sa(&a.ss));
	step("self-connected %s -> %s", local_name(fd), peer_name(fd));
	if (hold)
		hold_forever("self-connected");
	close(fd);
	step("closed %s", fmt_sa(&a.ss));
	return 0;
}

static const char mark_usage[] =
	"mark begin|end\n"
	"  Execute make bench's marker NOP (tag 65520 for begin, 65521 for end):\n"
	"  QEMU's insncount plugin (tests/insncount.c) prints the instruction\n"
	"  counts there.";

/* nopl 0x5457TTTT(%rax,%rax,1), as kmod/bench.c's markers. */
#define BENCH_MARK(tag) __asm__ volatile("nopl 0x54570000 + %c0(%%rax,%%rax,1)" : : "i" (tag))

static int mark_main(int argc, char **argv)
{
	want_args(argc, 1, mark_usage);
	if (!strcmp(argv[optind], "begin"))
		BENCH_MARK(0xfff0);
	else if (!strcmp(argv[optind], "end"))
		BENCH_MARK(0xfff1);
	else
		usage_error(mark_usage);
	return 0;
}

/* ---- DCCP: the other protocol on the inet_csk paths ----------------------- */

#ifndef SOCK_DCCP
#define SOCK_DCCP 6
#endif
#ifndef SOL_DCCP
#define SOL_DCCP 269
#endif
#define DCCP_SOCKOPT_SERVICE 2

static int dccp_socket(const struct addr *a)
{
	uint32_t service = htonl(42);	/* both ends must name the same */
	int fd = socket(a->ss.ss_family, SOCK_DCCP | SOCK_CLOEXEC, IPPROTO_DCCP);

	if (fd < 0)
		die_errno("socket(SOCK_DCCP) (is dccp_ipv4 loaded?)");
	if (setsockopt(fd, SOL_DCCP, DCCP_SOCKOPT_SERVICE, &service, sizeof(service)) < 0)
		die_errno("setsockopt DCCP_SOCKOPT_SERVICE");
	return fd;
}

static const char dccp_usage[] =
	"dccp ADDR PORT [--count N] [--timeout-ms MS]\n"
	"  N DCCP connections (default 1) to a DCCP listener: connect, accept,\n"
	"  the client closes, then the server. DCCP shares the request and\n"
	"  timewait code of TCP (inet_csk_*, inet_twsk_*), which tcpwatch must\n"
	"  leave alone.";

static int dccp_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, OPT_COUNT },
		COMMON_OPTS, { 0 }
	};
	int c, i, count = 1, lfd, cfd, sfd;
	struct addr a;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == OPT_COUNT)
			count = parse_num(optarg, "--count", 1, 1000000);
		else if (!common_opt(c, optarg))
			usage_error(dccp_usage);
	}
	want_args(argc, 2, dccp_usage);
	parse_addr(argv[optind], argv[optind + 1], &a);

	lfd = dccp_socket(&a);
	set_int_opt(lfd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
	if (bind(lfd, (const struct sockaddr *)&a.ss, a.len) < 0)
		die_errno("bind %s", fmt_sa(&a.ss));
	if (listen(lfd, 16) < 0)
		die_errno("listen on %s", fmt_sa(&a.ss));
	step("listening dccp %s", local_name(lfd));
	for (i = 0; i < count; i++) {
		cfd = dccp_socket(&a);
		if (connect(cfd, (const struct sockaddr *)&a.ss, a.len) < 0)
			die_errno("dccp connect to %s", fmt_sa(&a.ss));
		sfd = do_accept(lfd, NULL, 0);
		close(cfd);
		close(sfd);
	}
	close(lfd);
	step("%d dccp connections done", count);
	return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

struct scenario {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static const struct scenario scenarios[] = {
	{ "serve", serve_main, serve_usage },
	{ "connect", connect_main, connect_usage },
	{ "handshake", handshake_main, handshake_usage },
	{ "churn", churn_main, churn_usage },
	{ "overflow", overflow_main, overflow_usage },
	{ "closewait", closewait_main, closewait_usage },
	{ "clients", clients_main, clients_usage },
	{ "bind", bind_main, bind_usage },
	{ "selfconnect", selfconnect_main, selfconnect_usage },
	{ "mark", mark_main, mark_usage },
	{ "dccp", dccp_main, dccp_usage },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s SCENARIO ARGS...  (every wait bounded by --timeout-ms, default 10000)\n\n", prog);
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(f, "%s\n\n", scenarios[i].usage);
}

int main(int argc, char **argv)
{
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (!strcmp(argv[1], scenarios[i].name))
			return scenarios[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "%s: unknown scenario '%s'\n", prog, argv[1]);
	usage(stderr);
	return 2;
}
