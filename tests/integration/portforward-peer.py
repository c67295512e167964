#!/usr/bin/python3
"""Both ends of the port-forward tests (tests/integration/portforward.sh,
tests/node/e2e.sh).

  server              in the "pod": TCP on 127.0.0.1:9000 only, answers
                      "got N SHA256" after the client's EOF (so a reply
                      proves the half-close came through); UDP echo on
                      127.0.0.1:9001 ("udp:" + datagram); the same on ::1
                      only at 9002 (TCP) and 9003 (UDP, "udp6:" + datagram)
  PEER_HOST           the clients' address (default 127.0.0.1; ::1)
  half PORT NBYTES    send NBYTES, shut down writing, print the reply
  many PORT N         open N connections at once, then talk on each;
                      print how many were answered right
  udp PORT [N]        N datagrams from one socket, print the replies
  udpclients PORT N   N client sockets, one datagram each; print answers
"""
import hashlib
import os
import socket
import sys
import threading


def serve_tcp(conn):
    data = bytearray()
    while True:
        d = conn.recv(65536)
        if not d:
            break
        data += d
    conn.sendall(b"got %d %s\n" % (len(data), hashlib.sha256(data).hexdigest().encode()))
    conn.close()


HOST = os.environ.get("PEER_HOST", "127.0.0.1")
FAMILY = socket.AF_INET6 if ":" in HOST else socket.AF_INET


def accept_loop(t):
    while True:
        c, _ = t.accept()
        threading.Thread(target=serve_tcp, args=(c,), daemon=True).start()


def udp_echo(u, tag):
    while True:
        d, a = u.recvfrom(65536)
        u.sendto(tag + d, a)


def server():
    listeners = []
    for family, addr, tport, uport, tag in (
        (socket.AF_INET, "127.0.0.1", 9000, 9001, b"udp:"),
        (socket.AF_INET6, "::1", 9002, 9003, b"udp6:"),
    ):
        if family == socket.AF_INET6 and not socket.has_ipv6:
            continue
        t = socket.socket(family)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((addr, tport))
        t.listen(512)
        u = socket.socket(family, socket.SOCK_DGRAM)
        u.bind((addr, uport))
        threading.Thread(target=udp_echo, args=(u, tag), daemon=True).start()
        listeners.append(t)
    if len(listeners) > 1:
        threading.Thread(target=accept_loop, args=(listeners[1],), daemon=True).start()
    print("ready", flush=True)
    accept_loop(listeners[0])


def expect(data):
    return b"got %d %s\n" % (len(data), hashlib.sha256(data).hexdigest().encode())


def read_all(s):
    out = bytearray()
    while True:
        d = s.recv(65536)
        if not d:
            return bytes(out)
        out += d


def half(port, n):
    data = bytes((i * 7) & 0xFF for i in range(n))
    s = socket.create_connection((HOST, port), timeout=10)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    r = read_all(s)
    print("ok" if r == expect(data) else "bad: %r" % r)


def many(port, n):
    socks = [socket.create_connection((HOST, port), timeout=15) for _ in range(n)]
    good = 0
    for i, s in enumerate(socks):
        s.sendall(b"connection %d" % i)
        s.shutdown(socket.SHUT_WR)
    for i, s in enumerate(socks):
        if read_all(s) == expect(b"connection %d" % i):
            good += 1
        s.close()
    print(good)


def udp(port, n):
    s = socket.socket(FAMILY, socket.SOCK_DGRAM)
    s.settimeout(3)
    for i in range(n):
        s.sendto(b"ping %d" % i, (HOST, port))
        print(s.recvfrom(65536)[0].decode())


def udpclients(port, n):
    good = 0
    socks = []
    for i in range(n):
        s = socket.socket(FAMILY, socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(b"client %d" % i, (HOST, port))
        socks.append(s)
    for i, s in enumerate(socks):
        if s.recvfrom(65536)[0].split(b":", 1)[1] == b"client %d" % i:
            good += 1
    print(good)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "server":
        server()
    elif mode == "half":
        half(int(sys.argv[2]), int(sys.argv[3]))
    elif mode == "many":
        many(int(sys.argv[2]), int(sys.argv[3]))
    elif mode == "udp":
        udp(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    elif mode == "udpclients":
        udpclients(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit("unknown mode " + mode)
