// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "sigfd.h"

int sigfd_open(const int *sigs)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	for (; *sigs; sigs++)
		sigaddset(&set, *sigs);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

int sigfd_read(int fd)
{
	struct signalfd_siginfo si;
	ssize_t n = read(fd, &si, sizeof(si));

	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return n == sizeof(si) ? (int)si.ssi_signo : -EIO;
}
