/* hello-server: the whole of the "distroless" test image.
 * One static binary, no shell, no libc files beside it. Listens on a TCP
 * port (argv[1], default 8080), answers every request with a short HTTP
 * response and logs one line per request to stdout, as an app would. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void on_terminate(int sig)
{
	(void)sig;
	_exit(0);
}

static void serve_one(int conn, const struct sockaddr_in *peer)
{
	char req[2048];
	ssize_t n = read(conn, req, sizeof(req) - 1);
	char host[INET_ADDRSTRLEN] = "?";
	char body[256];
	char resp[512];
	int body_len, resp_len;

	if (n <= 0)
		return;
	req[n] = '\0';
	req[strcspn(req, "\r\n")] = '\0';
	inet_ntop(AF_INET, &peer->sin_addr, host, sizeof(host));
	printf("hello-server: %s \"%s\"\n", host, req);
	fflush(stdout);

	body_len =
	    snprintf(body, sizeof(body), "hello from a distroless pod\n");
	resp_len = snprintf(resp, sizeof(resp),
			    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
			    "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
			    body_len, body);
	if (write(conn, resp, (size_t)resp_len) < 0)
		perror("hello-server: write");
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 8080;
	struct sigaction term = { .sa_handler = on_terminate };
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1;
	int lsock;

	sigaction(SIGINT, &term, NULL);
	sigaction(SIGTERM, &term, NULL);
	signal(SIGPIPE, SIG_IGN);

	lsock = socket(AF_INET, SOCK_STREAM, 0);
	if (lsock < 0) {
		perror("hello-server: socket");
		return 1;
	}
	setsockopt(lsock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	addr.sin_port = htons((unsigned short)port);
	if (bind(lsock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(lsock, 16) < 0) {
		perror("hello-server: bind/listen");
		return 1;
	}
	printf("hello-server: listening on :%d\n", port);
	fflush(stdout);

	for (;;) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		int conn = accept(lsock, (struct sockaddr *)&peer, &len);

		if (conn < 0) {
			if (errno != EINTR)
				perror("hello-server: accept");
			continue;
		}
		serve_one(conn, &peer);
		close(conn);
	}
}
