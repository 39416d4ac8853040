/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny streaming JSON writer. Strings are escaped so the output is always
 * valid JSON, whatever bytes the kernel handed over (a task's comm is
 * arbitrary bytes): control characters become \u00XX and bytes that are not
 * part of a well-formed UTF-8 sequence become \u00XX too, never raw.
 */
#ifndef TCPWATCH_JSON_H
#define TCPWATCH_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	8

struct json {
	FILE *f;
	unsigned int depth;
	bool first[JSON_MAX_DEPTH];	/* no member written yet at this depth */
};

void json_init(struct json *j, FILE *f);

/* @key is the member name inside an object, NULL inside an array or at top. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);

void json_u64(struct json *j, const char *key, uint64_t v);
void json_double(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* NULL @s writes null. */
void json_string(struct json *j, const char *key, const char *s);
void json_string_n(struct json *j, const char *key, const char *s, size_t len);

/* Write @len bytes of @s as a quoted, escaped JSON string. */
void json_write_escaped(FILE *f, const char *s, size_t len);

#endif
