# bash completion for podenter                             -*- shell-script -*-
#
# Subcommands and options come from podenter's own --help texts (read once
# per shell), so they never drift from the binary. Namespaces, pods and
# containers come from the node itself: `podenter list -A -o name` and
# `podenter list -o json NS/POD`, reading the same --host-root as the
# command line being completed. Works with or without the bash-completion
# package (which adds command completion after "--").

# The help texts: the main one, every --help-TOPIC it names, and each
# subcommand's.
_podenter_help_text() { # podenter-binary subcommand-or-empty
	local bin=$1 sub=$2 topic
	if [ -n "$sub" ]; then
		"$bin" "$sub" --help 2>/dev/null
		return
	fi
	"$bin" --help 2>/dev/null
	for topic in $("$bin" --help 2>/dev/null | grep -o -- '--help-[a-z]*' | sort -u); do
		"$bin" "$topic" 2>/dev/null
	done
}

# "OPTION ARG" lines (ARG "-" for a flag) from a help text, cached per
# binary and subcommand.
declare -gA _podenter_opts_cache 2>/dev/null || true
# Fill the cache; call it outside $(...) so that the cache outlives the TAB.
_podenter_fill() { # podenter-binary subcommand-or-empty
	local key="$1|$2"
	if [ -z "${_podenter_opts_cache[$key]+set}" ]; then
		_podenter_opts_cache[$key]=$(_podenter_help_text "$1" "$2" |
			sed -nE 's/^ {1,8}(-[A-Za-z0-9], )?(--[a-z][a-z0-9-]*)(\[?[ =]([A-Z<][^ ]*))?.*/\1 \2 \4/p' |
			while read -r a b c; do
				# "-n, --namespace NS" -> "-n NS" and "--namespace NS"
				if [ "${a%,}" != "$a" ]; then
					printf '%s %s\n%s %s\n' "${a%,}" "${c:--}" "$b" "${c:--}"
				else
					printf '%s %s\n' "$a" "${b:--}"
				fi
			done | sort -u)
	fi
}
_podenter_options() { # podenter-binary subcommand-or-empty
	_podenter_fill "$1" "$2"
	printf '%s\n' "${_podenter_opts_cache[$1|$2]}"
}

# The same as a map "binary|subcommand|option" -> ARG ("-" for a flag), so
# that a TAB looks options up without starting a process.
declare -gA _podenter_argmap 2>/dev/null || true
_podenter_load() { # podenter-binary subcommand-or-empty
	local o a
	[ -n "${_podenter_argmap["$1|$2|"]+set}" ] && return
	_podenter_fill "$1" "$2"
	while read -r o a; do
		[ -n "$o" ] && _podenter_argmap["$1|$2|$o"]=$a
	done <<<"${_podenter_opts_cache[$1|$2]}"
	_podenter_argmap["$1|$2|"]=loaded
}

# The subcommands the usage shows, and help and version, which it doesn't;
# cached per binary like the options.
_podenter_fill_subcommands() { # podenter-binary
	local key="$1|subcommands"
	if [ -z "${_podenter_opts_cache[$key]+set}" ]; then
		_podenter_opts_cache[$key]=$({
			"$1" --help 2>/dev/null | sed -nE 's/^ +podenter ([a-z][a-z-]*) .*/\1/p'
			printf '%s\n' help version
		} | sort -u)
	fi
}
_podenter_subcommands() { # podenter-binary
	_podenter_fill_subcommands "$1"
	printf '%s\n' "${_podenter_opts_cache[$1|subcommands]}"
}

# Capability names (the kernel's, without CAP_), for --cap-add/--cap-drop.
_podenter_caps="AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND BPF CHECKPOINT_RESTORE
CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID IPC_LOCK IPC_OWNER KILL LEASE
LINUX_IMMUTABLE MAC_ADMIN MAC_OVERRIDE MKNOD NET_ADMIN NET_BIND_SERVICE NET_BROADCAST
NET_RAW PERFMON SETFCAP SETGID SETPCAP SETUID SYSLOG SYS_ADMIN SYS_BOOT SYS_CHROOT
SYS_MODULE SYS_NICE SYS_PACCT SYS_PTRACE SYS_RAWIO SYS_RESOURCE SYS_TIME
SYS_TTY_CONFIG WAKE_ALARM"

# Run podenter list with the node root and namespace of the line.
_podenter_list() { # args...
	local bin=${_podenter_bin:-podenter}
	timeout 2 "$bin" ${_podenter_host_root:+--host-root "$_podenter_host_root"} list -q "$@" 2>/dev/null
}

_podenter_namespaces() {
	_podenter_list -A -o name | cut -d/ -f1 | sort -u
}

# Pod targets: "pod" in the namespace given with -n, and "ns/pod" everywhere.
_podenter_pods() { # current-word
	if [[ $1 == */* ]]; then
		_podenter_list -A -o name
		return
	fi
	if [ -n "$_podenter_ns" ]; then
		_podenter_list -n "$_podenter_ns" -o name | cut -d/ -f2
	else
		_podenter_list -o name | cut -d/ -f2
		_podenter_list -A -o name | cut -d/ -f1 | sort -u | sed 's|$|/|'
	fi
}

_podenter_containers() { # target
	local target=$1
	[ -n "$target" ] || return 0
	[[ $target == */* || -z "$_podenter_ns" ]] || target=$_podenter_ns/$target
	_podenter_list -o json "$target" |
		sed -nE 's/^ *"container": "([^"]+)".*/\1/p' | sort -u
}

_podenter() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	local bin=${COMP_WORDS[0]} sub='' target='' i w opts arg
	local _podenter_bin _podenter_host_root=${PODENTER_HOST_ROOT:-} _podenter_ns=''
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	_podenter_bin=$(type -P "$bin" 2>/dev/null || echo "$bin")
	[[ $bin == */* ]] && _podenter_bin=$bin

	# What the line says so far: subcommand, target, -n, --host-root, "--".
	local subs
	_podenter_fill_subcommands "$_podenter_bin"
	subs=$'\n'${_podenter_opts_cache[$_podenter_bin|subcommands]}$'\n'
	_podenter_load "$_podenter_bin" ""
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ "$w" = -- ]; then
			# the command to run: complete it as a command line of its own
			if declare -F _command_offset >/dev/null; then
				_command_offset $((i + 1))
			elif ((COMP_CWORD == i + 1)); then
				mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
			else
				mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			fi
			return 0
		fi
		case "$w" in
		--host-root=*) _podenter_host_root=${w#*=} ;;
		--namespace=*) _podenter_ns=${w#*=} ;;
		--host-root) _podenter_host_root=${COMP_WORDS[i + 1]} ;;
		-n | --namespace) _podenter_ns=${COMP_WORDS[i + 1]} ;;
		esac
		if [[ $w == -* ]]; then
			arg=${_podenter_argmap["$_podenter_bin||$w"]-}
			if [ -n "$sub" ] && [ -z "$arg" ]; then
				_podenter_load "$_podenter_bin" "$sub"
				arg=${_podenter_argmap["$_podenter_bin|$sub|$w"]-}
			fi
			[ -n "$arg" ] && [ "$arg" != - ] && [[ $w != *=* ]] && ((i++))
			continue
		fi
		if [ -z "$sub" ] && [ -z "$target" ] && [[ $subs == *$'\n'"$w"$'\n'* ]]; then
			sub=$w
		elif [ -z "$target" ]; then
			target=$w
		fi
	done
	# sniff takes several targets: keep offering pods
	[ "$sub" = sniff ] && [[ $cur != -* ]] && target=
	# help and version take a subcommand name or nothing
	case "$sub" in
	help)
		mapfile -t COMPREPLY < <(compgen -W "$(_podenter_subcommands "$_podenter_bin")" -- "$cur")
		return 0
		;;
	version) return 0 ;;
	esac

	_podenter_load "$_podenter_bin" "$sub"
	opts=${_podenter_opts_cache[$_podenter_bin|$sub]}

	# The value of an option.
	arg=${_podenter_argmap["$_podenter_bin|$sub|$prev"]-}
	if [ -n "$arg" ] && [ "$arg" != - ]; then
		case "$prev" in
		-n | --namespace)
			mapfile -t COMPREPLY < <(compgen -W "$(_podenter_namespaces)" -- "$cur")
			;;
		-c | --container)
			mapfile -t COMPREPLY < <(compgen -W "$(_podenter_containers "$target")" -- "$cur")
			;;
		-o | --output)
			mapfile -t COMPREPLY < <(compgen -W "table wide json name" -- "$cur")
			;;
		--view)
			mapfile -t COMPREPLY < <(compgen -W "tools merged container none" -- "$cur")
			;;
		--tools)
			mapfile -t COMPREPLY < <(compgen -W "host builtin image:" -- "$cur"; compgen -d -- "$cur"; compgen -f -X '!*.tar' -- "$cur")
			;;
		--user)
			mapfile -t COMPREPLY < <(compgen -W "target" -- "$cur")
			;;
		--group-add)
			# a group of the container's /etc/group, or a GID: nothing
			# of the node's to offer
			COMPREPLY=()
			;;
		--wd)
			mapfile -t COMPREPLY < <(compgen -W "target" -- "$cur"; compgen -d -- "$cur")
			;;
		--host-root)
			mapfile -t COMPREPLY < <(compgen -d -- "$cur")
			;;
		--profile)
			mapfile -t COMPREPLY < <(compgen -W "general baseline restricted netadmin sysadmin" -- "$cur")
			;;
		--seccomp)
			mapfile -t COMPREPLY < <(compgen -W "runtime-default unconfined" -- "$cur"; compgen -f -- "$cur")
			;;
		--cap-add | --cap-drop)
			# a comma-separated list: complete its last element
			local done_caps=${cur%"${cur##*,}"}
			mapfile -t COMPREPLY < <(compgen -P "$done_caps" -W "ALL $_podenter_caps" -- "${cur##*,}")
			compopt -o nospace 2>/dev/null
			;;
		--format)
			mapfile -t COMPREPLY < <(compgen -W "pcapng pcap" -- "$cur")
			;;
		--join-cgroup)
			mapfile -t COMPREPLY < <(compgen -W "pod container host" -- "$cur")
			;;
		-i | --interface)
			mapfile -t COMPREPLY < <(compgen -W "any eth0" -- "$cur")
			;;
		-w | --write | --audit-log)
			mapfile -t COMPREPLY < <(compgen -W "-" -- "$cur"; compgen -f -- "$cur")
			;;
		-e | --env | --count | --duration | -s | --snaplen | -B | --buffer-size | --max-parallel | --timeout)
			;; # free text or numbers
		*)
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			;;
		esac
		return 0
	fi

	# cp: SRC and DEST are node paths, - or POD:PATH: pods with their ':'
	# and the node's files (a container's paths are not listed)
	if [ "$sub" = cp ] && [[ $cur != -* ]]; then
		[[ $cur == *:* ]] && return 0
		mapfile -t COMPREPLY < <({
			compgen -W "$(_podenter_pods "$cur" | sed -e '/\/$/!s/$/:/')" -- "$cur"
			compgen -f -- "$cur"
		} | sort -u)
		if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *[:/] ]]; then
			compopt -o nospace 2>/dev/null
		fi
		return 0
	fi
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(cut -d' ' -f1 <<<"$opts")" -- "$cur")
		return 0
	fi
	if [ -z "$target" ]; then
		local words
		words=$(_podenter_pods "$cur")
		if [ -z "$sub" ]; then
			words+=$'\n'"node"$'\n'"pid:"$'\n'"id:"
			[ -z "$cur" ] || words+=$'\n'$(_podenter_subcommands "$_podenter_bin")
		elif [ "$sub" != list ]; then
			words+=$'\n'"node"$'\n'"pid:"$'\n'"id:"
		fi
		mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
		# "ns/" and "pid:" are prefixes: no space after them
		if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ || ${COMPREPLY[0]-} == *: ]]; then
			compopt -o nospace 2>/dev/null
		fi
		return 0
	fi
	# after TARGET: options, or "--" before the command
	mapfile -t COMPREPLY < <(compgen -W "-- $(cut -d' ' -f1 <<<"$opts")" -- "$cur")
	return 0
}

complete -F _podenter podenter
