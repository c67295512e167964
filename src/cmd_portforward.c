/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter port-forward [OPTIONS] TARGET [ADDR:]LOCAL:REMOTE[/udp]...
 *
 * kubectl port-forward from the node, without the API server and without
 * anything in the pod: listeners on the node, sockets made in the pod's
 * network namespace by this process (src/lib/portforward.c).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"
#include "podenter/nsjoin.h"
#include "podenter/portforward.h"

#define PF_MAX_ADDRS 16

enum { OPT_ADDRESS = OPT_COMMON_LAST + 1, OPT_UDP_TIMEOUT };

void cmd_portforward_usage(FILE *out)
{
	fputs(
	    "Usage: podenter port-forward [OPTIONS] TARGET "
	    "[ADDR:]LOCAL:REMOTE[/udp]...\n\n"
	    "Forward node ports to a pod's ports, as kubectl port-forward, "
	    "from the\n"
	    "node's side: for each connection podenter makes a socket in the "
	    "pod's\n"
	    "network namespace, connected to REMOTE on the pod's loopback "
	    "(ports\n"
	    "bound only to the pod's localhost work too): its 127.0.0.1 from "
	    "an IPv4\n"
	    "node address, its ::1 from an IPv6 one (--address ::1). Nothing "
	    "runs in\n"
	    "the pod.\n\n"
	    "Ports:\n"
	    "  8080:80            node 8080 to pod 80\n"
	    "  80                 the same port on both sides\n"
	    "  :80  or  0:80      any free node port (printed)\n"
	    "  127.0.0.2:8080:80  on this address only ([::1]:8080:80 for "
	    "IPv6)\n"
	    "  5353:53/udp        UDP: each client gets its own pod socket\n\n"
	    "Options:\n"
	    "      --address LIST      node addresses to listen on, "
	    "comma-separated\n"
	    "                          (default 127.0.0.1; localhost means "
	    "127.0.0.1)\n"
	    "      --udp-timeout SECS  close a UDP client's pod socket after "
	    "this long\n"
	    "                          without traffic (default 60)\n"
	    "  -n, --namespace NS      namespace of the pod (default: "
	    "default)\n"
	    "  -c, --container NAME    pin this container's process (default: "
	    "the first\n"
	    "                          app container); the forward ends when "
	    "it exits\n"
	    "      --any               several pods match: take the first\n"
	    "      --all               allow the pod sandbox as a target\n"
	    "      --host-root DIR     read the node through DIR (default /)\n"
	    "  -v, --verbose           a line per connection or UDP client\n"
	    "  -q, --quiet             no notes on stderr\n"
	    "  -h, --help              show this help\n\n"
	    "Stops on SIGINT/SIGTERM (the ports are freed), or when the pinned "
	    "process\n"
	    "exits (exit status 1). Exit status 125: a bad spec, a port in "
	    "use, "
	    "a pod\n"
	    "on the node's network.\n",
	    out);
}

struct pf_cli {
	struct cli_common co;
	bool verbose;
};

static void print_endpoint(FILE *out, const struct pe_pf_listener_info *l)
{
	bool v6 = strchr(l->address, ':') != NULL;

	fprintf(out, "%s%s%s:%u", v6 ? "[" : "", l->address, v6 ? "]" : "",
		(unsigned)l->port);
}

static void on_accepted(void *ctx, const struct pe_pf_listener_info *l)
{
	const struct pf_cli *pc = ctx;

	if (!pc->verbose)
		return;
	printf("Handling connection for %u%s\n", (unsigned)l->port,
	       l->udp ? "/udp" : "");
	fflush(stdout);
}

static void on_conn_error(void *ctx, const struct pe_pf_listener_info *l,
			  const char *what, int errnum)
{
	const struct pf_cli *pc = ctx;

	if (pc->co.quiet)
		return;
	fprintf(stderr, "podenter: port %u -> %u%s: %s: %s\n",
		(unsigned)l->port, (unsigned)l->remote, l->udp ? "/udp" : "",
		what, strerror(errnum));
}

static int stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	/* a client that leaves mid-write is that connection's end only */
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int forward(struct pf_cli *pc, const char *target,
		   const struct pe_pf_spec *specs, size_t nspecs,
		   const char (*addrs)[PE_PF_ADDR_MAX], size_t naddrs,
		   const struct pe_pf_opts *po)
{
	struct pe_pf_events ev = { .ctx = pc,
				   .accepted = on_accepted,
				   .conn_error = on_conn_error };
	struct pe_container c = { 0 };
	struct pe_hostroot hr;
	struct pe_error err;
	struct pe_pin pin;
	struct pe_pf *pf = NULL;
	int rc, sigfd;

	pe_error_clear(&err);
	pe_pin_init(&pin);
	if (pe_hostroot_open(&hr, pc->co.host_root, &err) < 0) {
		cli_print_error(&err);
		return PE_EXIT_FAILURE;
	}
	rc = cli_resolve_target(&pc->co, &hr, target, &c);
	if (rc != 0) {
		pe_hostroot_close(&hr);
		return rc;
	}
	if (pe_pin_target(&hr, &c, &pin, &err) < 0 ||
	    pe_pf_open(&pf, &pin, specs, nspecs, addrs, naddrs, po, &err) < 0) {
		cli_print_error(&err);
		rc = PE_EXIT_FAILURE;
		goto out;
	}
	sigfd = stop_signals();
	if (sigfd < 0) {
		fprintf(stderr, "podenter: signalfd: %s\n", strerror(errno));
		rc = PE_EXIT_FAILURE;
		goto out;
	}
	/* kubectl's lines, on stdout: scripts read the picked port there */
	for (size_t k = 0; k < pe_pf_listener_count(pf); k++) {
		const struct pe_pf_listener_info *l = pe_pf_listener(pf, k);

		fputs("Forwarding from ", stdout);
		print_endpoint(stdout, l);
		printf(" -> %u%s\n", (unsigned)l->remote, l->udp ? "/udp" : "");
	}
	fflush(stdout);
	rc = pe_pf_run(pf, sigfd, &ev, &err);
	if (rc < 0) {
		cli_print_error(&err);
		rc = PE_EXIT_FAILURE;
	} else if (rc == PE_PF_POD_GONE) {
		fprintf(stderr,
			"podenter: %s%s%s: process %d exited (the pod went "
			"away or its container restarted); the forward ends\n",
			c.namespace ? c.namespace : "", c.namespace ? "/" : "",
			c.pod ? c.pod : target, (int)pin.pid);
		rc = 1;
	}
	close(sigfd);
out:
	pe_pf_close(pf);
	pe_pin_release(&pin);
	pe_container_clear(&c);
	pe_hostroot_close(&hr);
	return rc;
}

int cmd_portforward(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "address", required_argument, NULL, OPT_ADDRESS },
		{ "udp-timeout", required_argument, NULL, OPT_UDP_TIMEOUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	char addrs[PF_MAX_ADDRS][PE_PF_ADDR_MAX];
	struct pe_pf_opts po = { 0 };
	struct pe_pf_spec *specs = NULL;
	const char *address = "127.0.0.1";
	struct pe_error err;
	struct pf_cli pc;
	int opt, naddrs, nspecs, rc = PE_EXIT_FAILURE;

	memset(&pc, 0, sizeof(pc));
	cli_common_init(&pc.co);
	pe_error_clear(&err);
	while ((opt = getopt_long(argc, argv, "+" CLI_COMMON_SHORTOPTS "v",
				  longopts, NULL)) != -1) {
		int r = cli_common_option(&pc.co, opt, optarg, "port-forward");

		if (r < 0)
			return PE_EXIT_FAILURE;
		if (r > 0)
			continue;
		switch (opt) {
		case OPT_ADDRESS:
			address = optarg;
			break;
		case OPT_UDP_TIMEOUT: {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || errno || *optarg == '-' ||
			    v < 1 || v > 86400)
				return cli_usage_error(
				    "port-forward",
				    "--udp-timeout wants seconds from 1 to "
				    "86400, not '%s'",
				    optarg);
			po.udp_idle_ms = (unsigned)v * 1000;
			break;
		}
		case 'v':
			pc.verbose = true;
			break;
		default:
			return cli_usage_error("port-forward",
					       "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("port-forward",
				       "which pod? (TARGET PORT...)");
	if (optind + 1 >= argc)
		return cli_usage_error("port-forward",
				       "which ports? ([ADDR:]LOCAL:REMOTE"
				       "[/udp]...)");
	if (pc.co.output != CLI_OUT_TABLE || pc.co.all_namespaces)
		return cli_usage_error(
		    "port-forward", "-o and -A do not apply to port-forward");
	/* every word is checked before the node is touched */
	naddrs = pe_pf_parse_addresses(address, addrs, PF_MAX_ADDRS, &err);
	if (naddrs < 0) {
		cli_print_error(&err);
		return PE_EXIT_FAILURE;
	}
	nspecs = argc - optind - 1;
	specs = calloc((size_t)nspecs, sizeof(*specs));
	if (!specs) {
		fputs("podenter: out of memory\n", stderr);
		return PE_EXIT_FAILURE;
	}
	for (int k = 0; k < nspecs; k++) {
		if (pe_pf_parse_spec(argv[optind + 1 + k], &specs[k], &err) <
		    0) {
			cli_print_error(&err);
			goto out;
		}
	}
	rc = forward(&pc, argv[optind], specs, (size_t)nspecs,
		     (const char(*)[PE_PF_ADDR_MAX])addrs, (size_t)naddrs, &po);
out:
	free(specs);
	return rc;
}
