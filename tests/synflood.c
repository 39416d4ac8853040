// SPDX-License-Identifier: GPL-2.0
/*
 * synflood - send TCP SYNs with spoofed IPv4 sources that never answer, for
 * tcpwatch's SYN-queue tests. Run it in a network namespace of the test VM
 * whose veth peer leads to the listener; the spoofed sources are addresses
 * nobody owns on that link, so SYN-ACKs go unanswered (no ARP reply, no
 * RST) and the listener's request sockets stay in NEW_SYN_RECV until their
 * SYN-ACK retries run out.
 *
 *   synflood DST_ADDR DST_PORT COUNT [--src-base ADDR] [--src-count N]
 *            [--interval-us US]
 *
 * Prints "sent N SYNs to ADDR:PORT from M sources" and exits 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: synflood DST_ADDR DST_PORT COUNT [--src-base ADDR] "
		   "[--src-count N] [--interval-us US]\n");
}

static unsigned long parse_ulong(const char *s, const char *what, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "synflood: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * One's-complement sum of big-endian 16-bit words, read byte by byte: reading
 * the pseudo-header struct through a uint16_t pointer broke strict aliasing,
 * and gcc -O2 summed it before it was written (every SYN had a bad checksum).
 */
static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

/* One SYN from @src:@sport to @dst:@dport, IPv4 header included. */
static size_t build_syn(uint8_t *buf, struct in_addr src, uint16_t sport,
			struct in_addr dst, uint16_t dport, uint32_t seq)
{
	struct iphdr *ip = (struct iphdr *)buf;
	struct tcphdr *th = (struct tcphdr *)(buf + sizeof(*ip));
	struct { uint32_t src, dst; uint8_t zero, proto; uint16_t len; } pseudo;

	memset(buf, 0, sizeof(*ip) + sizeof(*th));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*th));
	ip->saddr = src.s_addr;
	ip->daddr = dst.s_addr;
	ip->check = htons(csum_fold(csum_add(0, ip, sizeof(*ip))));

	th->source = htons(sport);
	th->dest = htons(dport);
	th->seq = htonl(seq);
	th->doff = 5;
	th->syn = 1;
	th->window = htons(64240);
	pseudo.src = src.s_addr;
	pseudo.dst = dst.s_addr;
	pseudo.zero = 0;
	pseudo.proto = IPPROTO_TCP;
	pseudo.len = htons(sizeof(*th));
	th->check = htons(csum_fold(csum_add(csum_add(0, &pseudo, sizeof(pseudo)), th, sizeof(*th))));
	return sizeof(*ip) + sizeof(*th);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "src-base", required_argument, NULL, 'b' },
		{ "src-count", required_argument, NULL, 'n' },
		{ "interval-us", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct in_addr dst, src_base = { htonl(0x0ac80064) };	/* 10.200.0.100 */
	unsigned long count, sources = 50, interval_us = 0, i;
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t pkt[64];
	uint16_t dport;
	int fd, c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (inet_pton(AF_INET, optarg, &src_base) != 1) {
				fprintf(stderr, "synflood: bad --src-base '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n': sources = parse_ulong(optarg, "--src-count", 65536); break;
		case 'i': interval_us = parse_ulong(optarg, "--interval-us", 10000000); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 3 || !sources) {
		usage(stderr);
		return 2;
	}
	if (inet_pton(AF_INET, argv[optind], &dst) != 1) {
		fprintf(stderr, "synflood: bad address '%s'\n", argv[optind]);
		return 2;
	}
	dport = parse_ulong(argv[optind + 1], "port", 65535);
	count = parse_ulong(argv[optind + 2], "count", 10000000);

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		perror("synflood: raw socket");
		return 1;
	}
	to.sin_addr = dst;
	srand(time(NULL));
	for (i = 0; i < count; i++) {
		struct in_addr src = { htonl(ntohl(src_base.s_addr) + i % sources) };
		uint16_t sport = 1024 + (i * 7919 + rand()) % 60000;
		size_t len = build_syn(pkt, src, sport, dst, dport, rand());

		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len) {
			perror("synflood: sendto");
			return 1;
		}
		if (interval_us)
			usleep(interval_us);
	}
	printf("sent %lu SYNs to %s:%u from %lu sources\n", count, argv[optind],
	       dport, sources < count ? sources : count);
	return 0;
}
