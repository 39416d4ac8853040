// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hist.h"
#include "prom.h"

static void prom_free(struct prom_file *p)
{
	free(p->path);
	free(p->tmp);
	memset(p, 0, sizeof(*p));
}

int prom_begin(struct prom_file *p, const char *path)
{
	int fd, ret;

	memset(p, 0, sizeof(*p));
	p->path = strdup(path);
	if (!p->path || asprintf(&p->tmp, "%s.tmp", path) < 0) {
		p->tmp = NULL;
		ret = -ENOMEM;
		goto err;
	}
	/* 0644, not mkstemp's 0600: node_exporter runs as another user. */
	fd = open(p->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto err;
	}
	p->f = fdopen(fd, "w");
	if (!p->f) {
		ret = -errno;
		close(fd);
		unlink(p->tmp);
		goto err;
	}
	return 0;
err:
	prom_free(p);
	return ret;
}

int prom_commit(struct prom_file *p)
{
	int ret = 0;

	if (ferror(p->f))
		ret = -EIO;
	if (fclose(p->f) && !ret)
		ret = -errno;
	if (!ret && rename(p->tmp, p->path))
		ret = -errno;
	if (ret)
		unlink(p->tmp);
	prom_free(p);
	return ret;
}

void prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* "name_suffix{labels} " */
static void prom_series(FILE *f, const char *name, const char *suffix,
			const char *labels)
{
	fprintf(f, "%s%s", name, suffix);
	if (labels && *labels)
		fprintf(f, "{%s}", labels);
	fputc(' ', f);
}

void prom_u64(FILE *f, const char *name, const char *labels, uint64_t v)
{
	prom_series(f, name, "", labels);
	fprintf(f, "%" PRIu64 "\n", v);
}

static void prom_bucket(FILE *f, const char *name, const char *labels,
			const char *le, uint64_t v)
{
	char lab[256];

	snprintf(lab, sizeof(lab), "%s%sle=\"%s\"", labels ? labels : "",
		 labels && *labels ? "," : "", le);
	prom_u64(f, name, lab, v);
}

void prom_histogram(FILE *f, const char *name, const char *labels,
		    const uint64_t *buckets)
{
	char bucket[64], le[32];
	uint64_t cumulative = 0;
	unsigned int i;

	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	for (i = 0; i < TCPWATCH_DWELL_BUCKETS; i++) {
		cumulative += buckets[i];
		snprintf(le, sizeof(le), "%.9g", hist_upper_ns(i) / 1e9);
		prom_bucket(f, bucket, labels, le, cumulative);
	}
	prom_bucket(f, bucket, labels, "+Inf", cumulative);
	prom_series(f, name, "_sum", labels);
	fprintf(f, "%.9g\n", hist_sum_estimate_ns(buckets) / 1e9);
	prom_series(f, name, "_count", labels);
	fprintf(f, "%" PRIu64 "\n", cumulative);
}
