/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus text exposition, written the way node_exporter's textfile
 * collector wants it: formatted in memory, written whole into FILE.XXXXXX
 * beside FILE (a fresh name, created with O_EXCL, mode 0644), fsynced, then
 * renamed over FILE, so a scrape never reads half a file (the collector only
 * reads *.prom names) and a crash leaves the old file or the new one.
 */
#ifndef TCPWATCH_PROM_H
#define TCPWATCH_PROM_H

#include <stdint.h>
#include <stdio.h>

struct prom_file {
	FILE *f;			/* where the metrics are printed */
	char *buf;			/* @f's text */
	size_t len;
	int fd;				/* the temp file */
	char *path;
	char *tmp;			/* the temp file's name */
};

/* Creates the temp file; 0 or -errno. */
int prom_begin(struct prom_file *p, const char *path);
/*
 * Write, fsync, rename into place, fsync the directory; 0 or -errno of the
 * step that failed (the temp file is removed, the old FILE left as it was).
 */
int prom_commit(struct prom_file *p);

/* "# HELP" and "# TYPE" lines, once per metric family. */
void prom_family(FILE *f, const char *name, const char *type, const char *help);
/* name{labels} value; @labels without braces, may be NULL. */
void prom_u64(FILE *f, const char *name, const char *labels, uint64_t v);
/* The same with a value in seconds, given in milliseconds: "12.345". */
void prom_ms_as_seconds(FILE *f, const char *name, const char *labels, uint64_t ms);
/*
 * @v as a label value into @buf (without the quotes): backslash, double
 * quote and newline escaped as the exposition format wants; cut short, never
 * in the middle of an escape, if @size is too small.
 */
void prom_label_value(char *buf, size_t size, const char *v);

/*
 * A log2 dwell histogram in seconds, at eleven of its bounds (2^k ns, from
 * about 1 us to 73 min, see prom.c), cumulative, then +Inf, _sum
 * (estimated: samples at their bucket's midpoint, the exact sum is not kept
 * by the module) and _count.
 */
void prom_histogram(FILE *f, const char *name, const char *labels,
		    const uint64_t *buckets);

#endif
