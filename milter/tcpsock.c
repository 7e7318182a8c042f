/*
 * tcpsock - no Nagle and no delayed-ACK stalls on TCP milter connections
 *
 * Over TCP each side of a milter connection writes small packets, some of
 * them back to back without waiting for a reply: Postfix sends a macro
 * packet before a command, and header lines unanswered under
 * SMFIP_NR_HDR. With Nagle on the writer's side the second packet waits
 * for the ACK of the first, and Linux delays that ACK by up to 40 ms:
 * one stall a message, whatever the milter does (postfix-test-notes
 * §4.12). TCP_NODELAY on our sockets removes the stall on our writes;
 * TCP_QUICKACK after every read removes it on the MTA's, since the MTA's
 * Nagle is released by our ACK. The kernel drops quick-ACK mode by itself
 * again, so it is set after each read.
 *
 * libmilter does not give out the sockets it accepts, so its accept(),
 * read() and close() calls, which the dynamic linker resolves to the
 * definitions in this program, are wrapped here. Only sockets accepted
 * from a TCP listener are touched; every other descriptor passes through.
 */
#include "config.h"

#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define TCP_FD_MAX 65536	/* descriptors above are left alone */

static unsigned long tcp_fds[TCP_FD_MAX / (8 * sizeof(unsigned long))];

#define FD_WORD(fd)	(tcp_fds[(unsigned)(fd) / (8 * sizeof(unsigned long))])
#define FD_BIT(fd)	(1UL << ((unsigned)(fd) % (8 * sizeof(unsigned long))))

static void *
real(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static int
is_tcp(int fd)
{
	return fd >= 0 && fd < TCP_FD_MAX &&
	    (__atomic_load_n(&FD_WORD(fd), __ATOMIC_RELAXED) & FD_BIT(fd)) != 0;
}

int
accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	static int (*real_accept)(int, struct sockaddr *, socklen_t *);
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	int s, one = 1;

	if (real_accept == NULL && (real_accept = real("accept")) == NULL)
		return -1;
	if ((s = real_accept(fd, sa, len)) < 0 || s >= TCP_FD_MAX)
		return s;
	if (getsockname(s, (struct sockaddr *)&local, &llen) == 0 &&
	    (local.ss_family == AF_INET || local.ss_family == AF_INET6)) {
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		__atomic_or_fetch(&FD_WORD(s), FD_BIT(s), __ATOMIC_RELAXED);
	}
	return s;
}

ssize_t
read(int fd, void *buf, size_t n)
{
	static ssize_t (*real_read)(int, void *, size_t);
	ssize_t r;
	int one = 1;

	if (real_read == NULL && (real_read = real("read")) == NULL)
		return -1;
	r = real_read(fd, buf, n);
	if (r > 0 && is_tcp(fd))
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	return r;
}

int
close(int fd)
{
	static int (*real_close)(int);

	if (real_close == NULL && (real_close = real("close")) == NULL)
		return -1;
	if (fd >= 0 && fd < TCP_FD_MAX)
		__atomic_and_fetch(&FD_WORD(fd), ~FD_BIT(fd), __ATOMIC_RELAXED);
	return real_close(fd);
}
