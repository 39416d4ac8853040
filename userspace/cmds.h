/* SPDX-License-Identifier: GPL-2.0 */
/* The tcpwatch subcommands: one file each, int <name>_main(argc, argv). */
#ifndef TCPWATCH_CMDS_H
#define TCPWATCH_CMDS_H

#include <stdio.h>

#include "parse.h"

#ifndef TCPWATCH_VERSION
#define TCPWATCH_VERSION "unknown"
#endif

int summary_main(int argc, char *argv[]);
int events_main(int argc, char *argv[]);
int status_main(int argc, char *argv[]);

/* Output of each subcommand, apart from how it got its data (for tests). */
void summary_print_json(FILE *f, const struct tw_summary *sum,
			const struct tw_listeners *ls);
void summary_print_human(FILE *f, const struct tw_summary *sum,
			 const struct tw_listeners *ls);
void status_print_json(FILE *f, const struct tw_status *st);
void status_print_human(FILE *f, const struct tw_status *st);

#endif
