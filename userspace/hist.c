// SPDX-License-Identifier: GPL-2.0
#include <math.h>

#include "hist.h"

uint64_t hist_count(const uint64_t *buckets)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < TCPWATCH_DWELL_BUCKETS; i++)
		n += buckets[i];
	return n;
}

double hist_upper_ns(unsigned int i)
{
	return ldexp(1.0, i + 1);
}

double hist_quantile_ns(const uint64_t *buckets, double q)
{
	uint64_t total = hist_count(buckets), seen = 0;
	double rank = q * total;
	unsigned int i;

	if (!total)
		return 0;
	for (i = 0; i < TCPWATCH_DWELL_BUCKETS; i++) {
		seen += buckets[i];
		if (seen && seen >= rank)
			return hist_upper_ns(i);
	}
	return hist_upper_ns(TCPWATCH_DWELL_BUCKETS - 1);
}

double hist_sum_estimate_ns(const uint64_t *buckets)
{
	double sum = 0;
	unsigned int i;

	/* [2^i, 2^(i+1)) has its midpoint at 1.5 * 2^i. */
	for (i = 0; i < TCPWATCH_DWELL_BUCKETS; i++)
		sum += buckets[i] * 1.5 * ldexp(1.0, i);
	return sum;
}
