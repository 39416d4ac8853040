/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's dwell histograms: bucket i counts times in [2^i, 2^(i+1)) ns
 * (bucket 0 also holds 0), TCPWATCH_DWELL_BUCKETS buckets.
 */
#ifndef TCPWATCH_HIST_H
#define TCPWATCH_HIST_H

#include <stdint.h>
#include <linux/tcpwatch.h>

uint64_t hist_count(const uint64_t *buckets);
/* Exclusive upper bound of bucket @i in ns, as a double (2^64 overflows u64). */
double hist_upper_ns(unsigned int i);
/* The upper bound of the bucket holding quantile @q (0..1]; 0 if empty. */
double hist_quantile_ns(const uint64_t *buckets, double q);
/* An estimate of the sum: each sample counted at its bucket's midpoint. */
double hist_sum_estimate_ns(const uint64_t *buckets);

#endif
