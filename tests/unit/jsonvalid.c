// SPDX-License-Identifier: GPL-2.0
/*
 * A recursive-descent JSON checker, independent of the writer it checks:
 * RFC 8259 grammar, no control characters in strings, only valid UTF-8.
 */
#include <stdbool.h>
#include <string.h>

#include "tap.h"

struct cursor {
	const unsigned char *p, *end;
	unsigned int depth;
};

static bool value(struct cursor *c);

static void ws(struct cursor *c)
{
	while (c->p < c->end && strchr(" \t\r\n", *c->p) && *c->p)
		c->p++;
}

static bool eat(struct cursor *c, char ch)
{
	ws(c);
	if (c->p < c->end && *c->p == (unsigned char)ch) {
		c->p++;
		return true;
	}
	return false;
}

static bool literal(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n))
		return false;
	c->p += n;
	return true;
}

static bool digits(struct cursor *c)
{
	const unsigned char *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > start;
}

static bool number(struct cursor *c)
{
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (!digits(c))
		return false;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!digits(c))
			return false;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!digits(c))
			return false;
	}
	return true;
}

/* Valid UTF-8 sequence length at p, 0 if invalid (independent decoder). */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned int cp, n, i, min;

	if (*p < 0xc0)
		return 0;
	n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
	min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
	if (*p >= 0xf8 || (size_t)(end - p) < n)
		return 0;
	cp = *p & (0x3f >> (n - 1));
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool escape(struct cursor *c)
{
	int i;

	if (c->p >= c->end)
		return false;
	if (strchr("\"\\/bfnrt", *c->p) && *c->p) {
		c->p++;
		return true;
	}
	if (*c->p++ != 'u')
		return false;
	for (i = 0; i < 4; i++, c->p++)
		if (c->p >= c->end || !strchr("0123456789abcdefABCDEF", *c->p) || !*c->p)
			return false;
	return true;
}

static bool string(struct cursor *c)
{
	size_t n;

	if (!eat(c, '"'))
		return false;
	while (c->p < c->end && *c->p != '"') {
		if (*c->p < 0x20)
			return false;
		if (*c->p == '\\') {
			c->p++;
			if (!escape(c))
				return false;
		} else if (*c->p >= 0x80) {
			n = utf8_len(c->p, c->end);
			if (!n)
				return false;
			c->p += n;
		} else {
			c->p++;
		}
	}
	return eat(c, '"');
}

static bool members(struct cursor *c, char close, bool keyed)
{
	if (eat(c, close))
		return true;
	do {
		if (keyed && (!string(c) || !eat(c, ':')))
			return false;
		if (!value(c))
			return false;
	} while (eat(c, ','));
	return eat(c, close);
}

static bool value(struct cursor *c)
{
	bool ok;

	ws(c);
	if (c->p >= c->end || ++c->depth > 64)
		return false;
	switch (*c->p) {
	case '{':
		c->p++;
		ok = members(c, '}', true);
		break;
	case '[':
		c->p++;
		ok = members(c, ']', false);
		break;
	case '"':
		ok = string(c);
		break;
	case 't':
		ok = literal(c, "true");
		break;
	case 'f':
		ok = literal(c, "false");
		break;
	case 'n':
		ok = literal(c, "null");
		break;
	default:
		ok = number(c);
	}
	c->depth--;
	return ok;
}

bool json_valid(const char *s, size_t len)
{
	struct cursor c = { (const unsigned char *)s, (const unsigned char *)s + len, 0 };

	if (!value(&c))
		return false;
	ws(&c);
	return c.p == c.end;
}
