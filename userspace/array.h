/* SPDX-License-Identifier: GPL-2.0 */
/* Growable arrays of plain structs, for lists whose length the kernel decides. */
#ifndef TCPWATCH_ARRAY_H
#define TCPWATCH_ARRAY_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Make room for one more element in *@v; returns it zeroed, or NULL (ENOMEM). */
static inline void *array_push(void *v, size_t *n, size_t *cap, size_t elem)
{
	void **vp = v;
	void *p;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		p = reallocarray(*vp, ncap, elem);
		if (!p)
			return NULL;
		*vp = p;
		*cap = ncap;
	}
	p = (char *)*vp + (*n)++ * elem;
	memset(p, 0, elem);
	return p;
}

#define ARRAY_PUSH(arr, n, cap) array_push(&(arr), &(n), &(cap), sizeof(*(arr)))

#endif
