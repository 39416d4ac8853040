// SPDX-License-Identifier: GPL-2.0
/* tcpwatch userspace unit tests: no kernel needed, TAP output. */
#include "tap.h"

int main(void)
{
	test_json();
	test_format();
	test_seqtrack();
	test_tuplecache();
	test_parse();
	test_nl();
	test_output();
	test_prom();
	test_filter();
	test_leaks();
	test_reports();
	test_cli();
	test_daemon_files();
	return tap_finish();
}
