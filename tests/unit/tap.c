// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static unsigned int n_pass, n_fail;

static void tap_line(bool cond, const char *fmt, va_list ap)
{
	printf("%sok %u - ", cond ? "" : "not ", n_pass + n_fail + 1);
	vprintf(fmt, ap);
	putchar('\n');
	if (cond)
		n_pass++;
	else
		n_fail++;
}

bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(cond, fmt, ap);
	va_end(ap);
	return cond;
}

bool tap_streq(const char *got, const char *want, const char *fmt, ...)
{
	bool cond = got && want && !strcmp(got, want);
	va_list ap;

	va_start(ap, fmt);
	tap_line(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)",
		       want ? want : "(null)");
	return cond;
}

int tap_finish(void)
{
	printf("1..%u\n%u passed, %u failed\n", n_pass + n_fail, n_pass, n_fail);
	return n_fail ? 1 : 0;
}

FILE *capture_begin(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	if (!c->f)
		abort();
	return c->f;
}

const char *capture_end(struct capture *c)
{
	fclose(c->f);
	c->f = NULL;
	return c->buf;
}

void capture_save(const struct capture *c, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/json-%s.json", TEST_BINDIR, name);
	f = fopen(path, "a");
	if (!f)
		return;
	fputs(c->buf ? c->buf : "", f);
	fclose(f);
}

void capture_free(struct capture *c)
{
	free(c->buf);
	c->buf = NULL;
}
