/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus text exposition, written the way node_exporter's textfile
 * collector wants it: into FILE.tmp beside FILE, then renamed over FILE, so a
 * scrape never reads half a file (the collector only reads *.prom names).
 */
#ifndef TCPWATCH_PROM_H
#define TCPWATCH_PROM_H

#include <stdint.h>
#include <stdio.h>

struct prom_file {
	FILE *f;
	char *path;
	char *tmp;
};

int prom_begin(struct prom_file *p, const char *path);
/* Flush, close and rename into place; -errno (the temp file is removed). */
int prom_commit(struct prom_file *p);

/* "# HELP" and "# TYPE" lines, once per metric family. */
void prom_family(FILE *f, const char *name, const char *type, const char *help);
/* name{labels} value; @labels without braces, may be NULL. */
void prom_u64(FILE *f, const char *name, const char *labels, uint64_t v);

/*
 * A log2 dwell histogram in seconds: bucket i's le is its upper bound
 * 2^(i+1) ns, cumulative, then +Inf, _sum (estimated: samples at their
 * bucket's midpoint, the exact sum is not kept by the module) and _count.
 */
void prom_histogram(FILE *f, const char *name, const char *labels,
		    const uint64_t *buckets);

#endif
