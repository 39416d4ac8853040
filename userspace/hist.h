/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's dwell histograms: bucket i counts times in [2^i, 2^(i+1)) ns
 * (bucket 0 also holds 0), TCPWATCH_DWELL_BUCKETS buckets.
 */
#ifndef TCPWATCH_HIST_H
#define TCPWATCH_HIST_H

#include <stdint.h>
#include <stdio.h>
#include <linux/tcpwatch.h>

/* Width of the bar of stars for the fullest bucket, as bcc draws it. */
#define HIST_BAR_WIDTH	40

uint64_t hist_count(const uint64_t *buckets);
/* Exclusive upper bound of bucket @i in ns, as a double (2^64 overflows u64). */
double hist_upper_ns(unsigned int i);
/* The largest whole ns bucket @i holds, 2^(i+1) - 1: fits a u64. */
uint64_t hist_le_ns(unsigned int i);
/* The upper bound of the bucket holding quantile @q (0..1]; 0 if empty. */
double hist_quantile_ns(const uint64_t *buckets, double q);
/* An estimate of the sum: each sample counted at its bucket's midpoint. */
double hist_sum_estimate_ns(const uint64_t *buckets);

/*
 * Draw @buckets the way bcc's print_log2_hist() does, from the lowest to the
 * highest non-empty bucket: "  low -> high   : count    |****    |", the
 * bar scaled so the fullest bucket gets HIST_BAR_WIDTH stars; ranges in
 * adaptive units. "(no samples)" when empty.
 */
void hist_print(FILE *f, const uint64_t *buckets);

#endif
