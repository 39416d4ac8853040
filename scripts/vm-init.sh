#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the tcpwatch test VM (runs as PID 1 under busybox sh).
#
# Sets up the pseudo file systems, runs /etc/tcpwatch-vm/cmd with bash,
# then scans the kernel log for failure markers and prints exactly one line
#     TCPWATCH-VM-RESULT <nonce> rc=<N>
# before powering off. rc is the command's exit status, or 124 when it timed
# out, or 99 when the command passed but the kernel log shows a failure.
#
# The command's output goes to the console (ttyS0, for people) and to ttyS1,
# a channel no kernel message is written to, for the host to parse.

# shellcheck disable=SC2009 # busybox has no pgrep -a; ps is listed for people

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin
HOME=/root
TERM=dumb
LC_ALL=C
export PATH HOME TERM LC_ALL

mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o mode=0755 devtmpfs /dev
exec </dev/console >/dev/console 2>&1

say() {
	echo "TCPWATCH-VM: $*"
}

mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tracefs -o mode=700 tracefs /sys/kernel/tracing
mount -t debugfs -o mode=700 debugfs /sys/kernel/debug
mkdir -p /run/netns
hostname tcpwatch-vm
ip link set lo up

# shellcheck source=/dev/null # written by mkinitramfs.sh
. /etc/tcpwatch-vm/env
export TCPWATCH_KO TCPWATCH_TESTS TCPWATCH_VM_KVER TCPWATCH_VM_FLAVOUR

# Slow TCG vCPUs are descheduled by a busy host: keep the stall detectors,
# with margins a healthy kernel never reaches.
echo 60 >/proc/sys/kernel/hung_task_timeout_secs 2>/dev/null

# The clean output channel; raw, so the host sees exactly what was written.
out=/dev/ttyS1
stty -F "$out" raw -echo 2>/dev/null || out=/dev/null

mkfifo /run/cmd.out
tee "$out" </run/cmd.out &
tee_pid=$!

cd /opt/tcpwatch 2>/dev/null || cd /
# setsid: the command and everything it starts form one process group,
# so a timeout can end all of it.
setsid bash /etc/tcpwatch-vm/cmd >/run/cmd.out 2>&1 </dev/null &
cmd_pid=$!

if [ "${TCPWATCH_VM_CMD_TIMEOUT:-0}" -gt 0 ]; then
	(
		sleep "$TCPWATCH_VM_CMD_TIMEOUT"
		touch /run/cmd.timedout
		say "command still running after ${TCPWATCH_VM_CMD_TIMEOUT}s: stopping it"
		ps | grep -v " \\[[^]]*\\]$" # not the kernel threads
		echo w >/proc/sysrq-trigger
		kill -TERM "-$cmd_pid" 2>/dev/null
		sleep 5
		kill -KILL "-$cmd_pid" 2>/dev/null
	) &
	watchdog_pid=$!
fi

wait "$cmd_pid"
rc=$?
[ -n "${watchdog_pid:-}" ] && kill "$watchdog_pid" 2>/dev/null
[ -e /run/cmd.timedout ] && rc=124

# The output channel ends when the last writer is gone; a process the command
# left behind keeps it open.
i=0
while kill -0 "$tee_pid" 2>/dev/null && [ $i -lt 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$tee_pid" 2>/dev/null; then
	say "processes left running by the command (a test did not clean up):"
	ps | grep -v " \\[[^]]*\\]$"
	kill -TERM "-$cmd_pid" 2>/dev/null
	sleep 1
	kill -KILL "-$cmd_pid" 2>/dev/null
	kill "$tee_pid" 2>/dev/null
fi
echo

# A kernel with kmemleak (the debug flavours): two scans, since the first
# only records checksums; a leak then shows in the kernel log and here.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >/run/kmemleak.txt 2>/dev/null
	if [ -s /run/kmemleak.txt ]; then
		say "kmemleak reports leaks:"
		sed 's/^/TCPWATCH-VM-KMEMLEAK: /' /run/kmemleak.txt
		[ "$rc" -eq 0 ] && rc=99
	fi
fi

# Kernel-log failure markers. Only the kernel's own ring buffer is scanned:
# the command's output never reaches it (unless written to /dev/kmsg).
# The debug kernels add KASAN, KFENCE, KCSAN, ODEBUG, lockdep and kmemleak
# reports; most start with "BUG:" or "WARNING:", all are named anyway.
patterns='Oops|BUG:|WARNING:|general protection|KASAN|UBSAN|lockdep|possible recursive locking|circular locking|detected stall|rcu: INFO|self-detected stall|soft lockup|hung_task|blocked for more than|refcount_t:|list_add corruption|list_del corruption|Call Trace:|kernel BUG|Kernel panic|segfault at'
patterns="$patterns|KFENCE|KCSAN|ODEBUG: .*object type|inconsistent lock state|suspicious RCU usage|sleeping function called from invalid context|scheduling while atomic|new suspected memory leak|ODEBUG disabled|leak detector disabled"
dmesg >/run/dmesg.txt
# What matches but says nothing is wrong (a debug kernel's boot banners).
benign='RCU lockdep checking is enabled|kcsan: (non-)?strict mode configured|kcsan: enabled early'
if grep -E "$patterns" /run/dmesg.txt | grep -vE "$benign" >/run/dmesg.bad; then
	say "the kernel log shows failures:"
	sed 's/^/TCPWATCH-VM-KLOG: /' /run/dmesg.bad
	[ "$rc" -eq 0 ] && rc=99
fi
if [ "$rc" -ne 0 ]; then
	say "kernel log of the failed run, from /init on:"
	sed -n '/Run \/init as init process/,$p' /run/dmesg.txt | sed 's/^/TCPWATCH-VM-DMESG: /'
fi

sync
echo
echo "TCPWATCH-VM-RESULT $TCPWATCH_VM_NONCE rc=$rc"
poweroff -f
echo o >/proc/sysrq-trigger
sleep 10
