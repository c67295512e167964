/* pause: the pod sandbox's init process. Holds the pod's namespaces open,
 * reaps orphaned children, and exits cleanly on SIGINT/SIGTERM.
 * Built static; the pause image holds this binary and nothing else. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_terminate(int sig)
{
	(void)sig;
	_exit(0);
}

static void on_child(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(void)
{
	struct sigaction term = { .sa_handler = on_terminate };
	struct sigaction chld = { .sa_handler = on_child,
				  .sa_flags = SA_NOCLDSTOP };

	if (getpid() != 1)
		fprintf(stderr, "pause: warning: not running as PID 1\n");
	if (sigaction(SIGINT, &term, NULL) < 0 ||
	    sigaction(SIGTERM, &term, NULL) < 0 ||
	    sigaction(SIGCHLD, &chld, NULL) < 0) {
		perror("pause: sigaction");
		return 1;
	}
	for (;;)
		pause();
}
