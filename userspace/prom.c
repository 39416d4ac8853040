// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "hist.h"
#include "array.h"
#include "prom.h"

static void prom_free(struct prom_file *p)
{
	if (p->f)
		fclose(p->f);
	if (p->fd >= 0)
		close(p->fd);
	free(p->buf);
	free(p->path);
	free(p->tmp);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}

int prom_begin(struct prom_file *p, const char *path)
{
	int ret;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->path = strdup(path);
	if (!p->path || asprintf(&p->tmp, "%s.XXXXXX", path) < 0) {
		p->tmp = NULL;
		ret = -ENOMEM;
		goto err;
	}
	/*
	 * O_EXCL: a name someone planted (a symlink to a file of ours) is never
	 * followed, and the name cannot be guessed in advance.
	 */
	p->fd = mkostemp(p->tmp, O_CLOEXEC);
	if (p->fd < 0) {
		ret = -errno;
		goto err;
	}
	/* 0644, not mkstemp's 0600 nor the umask's: node_exporter runs as another user. */
	if (fchmod(p->fd, 0644)) {
		ret = -errno;
		goto err_unlink;
	}
	p->f = open_memstream(&p->buf, &p->len);
	if (!p->f) {
		ret = -errno;
		goto err_unlink;
	}
	return 0;
err_unlink:
	unlink(p->tmp);
err:
	prom_free(p);
	return ret;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/* The rename is durable only once the directory is on disk too. */
static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : slash - path) : strdup(".");
	int fd, ret = 0;

	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	return ret;
}

int prom_commit(struct prom_file *p)
{
	/* The text is in memory: only a failed allocation can have stopped it. */
	int ret = ferror(p->f) ? -ENOMEM : 0;

	if (fclose(p->f) && !ret)
		ret = -ENOMEM;
	p->f = NULL;
	if (!ret)
		ret = write_all(p->fd, p->buf, p->len);
	if (!ret && fsync(p->fd))
		ret = -errno;
	if (close(p->fd) && !ret)
		ret = -errno;
	p->fd = -1;
	if (!ret && rename(p->tmp, p->path))
		ret = -errno;
	if (ret)
		unlink(p->tmp);
	else
		ret = sync_dir(p->path);
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

void prom_ms_as_seconds(FILE *f, const char *name, const char *labels, uint64_t ms)
{
	prom_series(f, name, "", labels);
	fprintf(f, "%" PRIu64 ".%03u\n", ms / 1000, (unsigned int)(ms % 1000));
}

void prom_label_value(char *buf, size_t size, const char *v)
{
	size_t n = 0;

	if (!size)
		return;
	for (; *v; v++) {
		const char *esc = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" :
				  *v == '\n' ? "\\n" : NULL;
		size_t len = esc ? 2 : 1;

		if (n + len >= size)
			break;
		if (esc)
			memcpy(buf + n, esc, 2);
		else
			buf[n] = *v;
		n += len;
	}
	buf[n] = '\0';
}

static void prom_bucket(FILE *f, const char *name, const char *labels,
			const char *le, uint64_t v)
{
	char lab[256];

	snprintf(lab, sizeof(lab), "%s%sle=\"%s\"", labels ? labels : "",
		 labels && *labels ? "," : "", le);
	prom_u64(f, name, lab, v);
}

/*
 * The bucket bounds exported, log2 of ns: about 1 us, 16 us, 131 us, 1 ms,
 * 17 ms, 134 ms, 1.07 s, 8.6 s, 69 s, 9.2 min, 73 min. A dozen series per
 * state rather than the module's 64 keep the metrics small (issue 13);
 * each bound is one of the module's, so every count stays exact.
 */
static const unsigned int prom_le_log2[] = { 10, 14, 17, 20, 24, 27, 30, 33, 36, 39, 42 };

void prom_histogram(FILE *f, const char *name, const char *labels,
		    const uint64_t *buckets)
{
	char bucket[64], le[32];
	uint64_t cumulative = 0;
	unsigned int i, k = 0;

	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	for (i = 0; i < TCPWATCH_DWELL_BUCKETS; i++) {
		cumulative += buckets[i];
		/* bucket i ends at 2^(i+1) ns */
		if (k == ARRAY_SIZE(prom_le_log2) || i + 1 != prom_le_log2[k])
			continue;
		k++;
		snprintf(le, sizeof(le), "%.9g", hist_upper_ns(i) / 1e9);
		prom_bucket(f, bucket, labels, le, cumulative);
	}
	prom_bucket(f, bucket, labels, "+Inf", cumulative);
	prom_series(f, name, "_sum", labels);
	fprintf(f, "%.9g\n", hist_sum_estimate_ns(buckets) / 1e9);
	prom_series(f, name, "_count", labels);
	fprintf(f, "%" PRIu64 "\n", cumulative);
}
