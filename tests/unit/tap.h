/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP producer: one "ok N - name" / "not ok N - name" line per
 * check, then "1..N" and "N passed, N failed".
 */
#ifndef TCPWATCH_TAP_H
#define TCPWATCH_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

bool tap_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like tap_ok for two strings; prints both on a mismatch. */
bool tap_streq(const char *got, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prints the plan and the totals; returns the exit status. */
int tap_finish(void);

#define CHECK(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

/* Collect what a printer writes to a FILE *. */
struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

FILE *capture_begin(struct capture *c);
/* Returns the text (NUL-terminated); free with capture_free. */
const char *capture_end(struct capture *c);
void capture_free(struct capture *c);
/*
 * Append the captured text (JSON) to TEST_BINDIR/json-NAME.json: the
 * samples scripts/check-docs.sh finds every key of in the docs.
 */
void capture_save(const struct capture *c, const char *name);

/* A strict JSON (RFC 8259) validator that also insists on valid UTF-8. */
bool json_valid(const char *s, size_t len);

/* Test suites. */
void test_json(void);
void test_format(void);
void test_seqtrack(void);
void test_tuplecache(void);
void test_parse(void);
void test_nl(void);
void test_output(void);
void test_prom(void);
void test_cli(void);
void test_filter(void);
void test_leaks(void);
void test_reports(void);
void test_daemon_files(void);

#endif
