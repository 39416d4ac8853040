// SPDX-License-Identifier: GPL-2.0
/*
 * The dwell-time histogram's bucketing (tw_dwell_bucket()): bucket i counts
 * [2^i, 2^(i+1)) ns and bucket 0 also holds 0, as the uapi header promises
 * userspace; and tw_ns_since(), the dwell time a bucket is chosen for.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "states.h"
#include "track.h"

static void tw_hist_test_zero_and_one(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, tw_dwell_bucket(0), 0U);
	KUNIT_EXPECT_EQ(test, tw_dwell_bucket(1), 0U);
	KUNIT_EXPECT_EQ(test, tw_dwell_bucket(2), 1U);
	KUNIT_EXPECT_EQ(test, tw_dwell_bucket(3), 1U);
	KUNIT_EXPECT_EQ(test, tw_dwell_bucket(4), 2U);
}

/* 2^i starts bucket i; 2^i - 1 ends bucket i - 1; 2^i + 1 stays in i. */
static void tw_hist_test_powers_of_two(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < 64; i++) {
		u64 p = 1ULL << i;

		KUNIT_EXPECT_EQ_MSG(test, tw_dwell_bucket(p), i, "2^%u", i);
		if (i >= 1)
			KUNIT_EXPECT_EQ_MSG(test, tw_dwell_bucket(p - 1), i - 1,
					    "2^%u - 1", i);
		if (i >= 2)
			KUNIT_EXPECT_EQ_MSG(test, tw_dwell_bucket(p + 1), i,
					    "2^%u + 1", i);
	}
}

/* The largest value lands in the last bucket, never past the array. */
static void tw_hist_test_max(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, tw_dwell_bucket(U64_MAX), TCPWATCH_DWELL_BUCKETS - 1U);
	KUNIT_EXPECT_EQ(test, tw_dwell_bucket(U64_MAX - 1), TCPWATCH_DWELL_BUCKETS - 1U);
	KUNIT_EXPECT_EQ(test, tw_dwell_bucket(1ULL << 63), TCPWATCH_DWELL_BUCKETS - 1U);
	KUNIT_EXPECT_EQ(test, tw_dwell_bucket((1ULL << 63) - 1), TCPWATCH_DWELL_BUCKETS - 2U);
}

/* Every value is inside its bucket's range [2^i, 2^(i+1)). */
static void tw_hist_test_ranges(struct kunit *test)
{
	static const u64 samples[] = {
		5, 7, 999, 1000, 1023, 1024, 1000000, 1000000000ULL,
		3600ULL * 1000000000ULL, 0x8000000000000001ULL, U64_MAX,
	};
	unsigned int i, b;

	for (i = 0; i < ARRAY_SIZE(samples); i++) {
		b = tw_dwell_bucket(samples[i]);
		KUNIT_EXPECT_LT(test, b, (unsigned int)TCPWATCH_DWELL_BUCKETS);
		KUNIT_EXPECT_EQ_MSG(test, samples[i] >> b, 1ULL, "%llu in bucket %u",
				    samples[i], b);
	}
}

/* A clock read before @since (another CPU stored it later) is a dwell of 0. */
static void tw_hist_test_ns_since(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, tw_ns_since(1000, 10), 990ULL);
	KUNIT_EXPECT_EQ(test, tw_ns_since(10, 10), 0ULL);
	KUNIT_EXPECT_EQ(test, tw_ns_since(10, 11), 0ULL);
	KUNIT_EXPECT_EQ(test, tw_ns_since(0, U64_MAX), 0ULL);
	KUNIT_EXPECT_EQ(test, tw_ns_since(U64_MAX, 0), U64_MAX);
	KUNIT_EXPECT_EQ(test, tw_dwell_bucket(tw_ns_since(10, 11)), 0U);
}

static struct kunit_case tw_hist_cases[] = {
	KUNIT_CASE(tw_hist_test_zero_and_one),
	KUNIT_CASE(tw_hist_test_powers_of_two),
	KUNIT_CASE(tw_hist_test_max),
	KUNIT_CASE(tw_hist_test_ranges),
	KUNIT_CASE(tw_hist_test_ns_since),
	{}
};

static struct kunit_suite tw_hist_suite = {
	.name = "tcpwatch_hist",
	.test_cases = tw_hist_cases,
};

kunit_test_suite(tw_hist_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites of tcpwatch's ring, tracking table and histogram");
