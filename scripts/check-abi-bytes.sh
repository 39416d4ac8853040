#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# No padding or stale byte of a kernel structure may reach userspace. The
# module builds every reply attribute by attribute, so the only bytes it
# copies out raw are those of its binary attributes (nla_put() of a
# length, nla_put_64bit()); this checks, with pahole on the built module,
# that each of them copies an array of plain integers (which has no holes),
# that there is no other, and that the uapi header defines no structure.
#
# usage: check-abi-bytes.sh KMOD_DIR   (after the module is built)
set -euo pipefail
kmod=${1:-kmod}
ko=$kmod/tcpwatch.ko
status=0

[ -f "$ko" ] || { echo "check-abi-bytes: build $ko first" >&2; exit 1; }
command -v pahole >/dev/null || { echo "check-abi-bytes: pahole not found (apt-get install dwarves)" >&2; exit 1; }

if grep -nE '^[[:space:]]*struct[[:space:]]+[a-z_]+[[:space:]]*\{' "$kmod/include/uapi/linux/tcpwatch.h"; then
	echo "check-abi-bytes: the uapi header defines a structure: replies are attributes only" >&2
	status=1
fi

# STRUCT MEMBER TYPE: the members whose bytes the binary attributes copy.
expected='tw_record saddr u8[16]
tw_record daddr u8[16]
tw_track_copy saddr u8[16]
tw_track_copy daddr u8[16]
tw_summary dwell u64[13][64]'
while read -r st member type; do
	got=$(pahole -C "$st" "$ko" | awk -v m="$member" '
		{ for (i = 2; i <= NF; i++) if ($i ~ "^" m "\\[") { t = $1; s = $i; sub(/;$/, "", s); sub(m, "", s); print t s; exit } }')
	if [ "$got" != "$type" ]; then
		echo "check-abi-bytes: $st.$member is '${got:-missing}', expected $type (an integer array)" >&2
		status=1
	fi
done <<<"$expected"

# Every binary put in the module, against the list above.
puts=$(cat "$kmod"/*.c | tr -s '\n\t' '  ' |
	grep -oE 'nla_put(_64bit)?\(skb, TCPWATCH_A_[A-Z_]+, (sizeof\([^)]*\)|[a-z_]+), [^,)]+' |
	sed -E 's/.*(TCPWATCH_A_[A-Z_]+), (sizeof\([^)]*\)|[a-z_]+), (.*)/\1 \3/' | sort -u)
allowed='TCPWATCH_A_DW_BUCKETS sum->dwell[i]
TCPWATCH_A_EV_DADDR rec->daddr
TCPWATCH_A_EV_DADDR c->daddr
TCPWATCH_A_EV_SADDR rec->saddr
TCPWATCH_A_EV_SADDR c->saddr
TCPWATCH_A_LS_ADDR v->c.saddr'
extra=$(comm -23 <(echo "$puts") <(echo "$allowed" | sort -u))
if [ -n "$extra" ]; then
	echo "check-abi-bytes: binary attributes not checked here (add their source to this script once it is an integer array):" >&2
	echo "$extra" >&2
	status=1
fi
[ $status = 0 ] && echo "check-abi-bytes: $(echo "$puts" | wc -l) binary attributes, all integer arrays; no structure in the uapi"
exit $status
