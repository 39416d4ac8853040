// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "format.h"
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

uint64_t hist_le_ns(unsigned int i)
{
	return i >= 63 ? UINT64_MAX : (2ull << i) - 1;
}

void hist_print(FILE *f, const uint64_t *buckets)
{
	char low[16], high[16], bar[HIST_BAR_WIDTH + 1];
	unsigned int i, first = TCPWATCH_DWELL_BUCKETS, last = 0;
	uint64_t max = 0, stars;

	for (i = 0; i < TCPWATCH_DWELL_BUCKETS; i++) {
		if (!buckets[i])
			continue;
		if (first == TCPWATCH_DWELL_BUCKETS)
			first = i;
		last = i;
		if (buckets[i] > max)
			max = buckets[i];
	}
	if (!max) {
		fprintf(f, "(no samples)\n");
		return;
	}
	fprintf(f, "%20s : %-8s %s\n", "range", "count", "distribution");
	for (i = first; i <= last; i++) {
		/* Rounded down like bcc: a bucket far below the top may get none. */
		stars = (unsigned __int128)buckets[i] * HIST_BAR_WIDTH / max;
		memset(bar, '*', stars);
		bar[stars] = '\0';
		tw_duration_format(i ? 1ull << i : 0, low, sizeof(low));
		tw_duration_format(hist_le_ns(i), high, sizeof(high));
		fprintf(f, "%8s -> %-8s : %-8" PRIu64 " |%-*s|\n", low, high, buckets[i],
			HIST_BAR_WIDTH, bar);
	}
}
