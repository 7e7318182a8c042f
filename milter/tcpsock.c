/*
 * tcpsock - no Nagle and no delayed-ACK stalls on TCP milter connections
 *
 * Over TCP each side of a milter connection writes small packets, some of
 * them back to back without waiting for a reply: Postfix sends a macro
 * packet before a command, and header lines unanswered under
 * SMFIP_NR_HDR. With Nagle on the writer's side the second packet waits
 * for the ACK of the first, and Linux delays that ACK by up to 40 ms:
 * one stall a message, whatever the milter does (OpenDKIM over TCP:
 * about 44 ms a message; BENCHMARKS.md has the numbers). TCP_NODELAY on
 * our sockets removes the stall on our writes;
 * TCP_QUICKACK after every read removes it on the MTA's, since the MTA's
 * Nagle is released by our ACK. The kernel drops quick-ACK mode by itself
 * again, so it is set after each read.
 *
 * THIS FILE REPLACES libc's accept(), read() AND close() FOR THE WHOLE
 * PROCESS. libmilter does not give out the sockets it accepts, and there
 * is no hook between its accept() and its first read(), so the only way
 * to reach them is to define accept, read and close in the program: the
 * dynamic linker binds every caller's accept/read/close to these, not
 * only libmilter's but also GDBM's, GLib's, libspf2's and our own. Each
 * calls on to the real function; only sockets accepted from a TCP
 * listener are touched (a bit per descriptor), every other descriptor
 * passes through unchanged. Unix-socket milters pay one bit test per
 * read() and close().
 *
 * Sanitizer builds. ASan and TSan see libc calls by the same trick: their
 * runtimes define read, accept and close as weak "interceptors", and a
 * strong definition here wins over those. With clang's static runtime
 * (linked into the program) dlsym(RTLD_NEXT) from the program then finds
 * libc itself: no read() was checked by ASan, and TSan lost the
 * descriptor synchronisation its close/accept/read interceptors model
 * (false races on fds). (GCC's shared runtimes come first after the
 * program, so RTLD_NEXT happened to reach them.) So in a sanitizer build
 * (__SANITIZE_ADDRESS__, __SANITIZE_THREAD__, or clang's __has_feature)
 * the calls go on to the runtime's own entry points
 * __interceptor_accept/_read/_close, exported by GCC's libasan/libtsan and
 * by compiler-rt's runtimes (GCC 12, clang 14), which check the call and
 * then call libc. A runtime without one of them (ASan has no close
 * interceptor: nothing to check) gets the RTLD_NEXT one. scripts/tsan.sh
 * checks that the program binds to every interceptor its runtime has, so
 * a runtime that renames them is noticed.
 * The behaviour (TCP_NODELAY, TCP_QUICKACK) is the same in every build.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define TCP_FD_MAX 65536	/* descriptors above are left alone */

static unsigned long tcp_fds[TCP_FD_MAX / (8 * sizeof(unsigned long))];

#define FD_WORD(fd)	(tcp_fds[(unsigned)(fd) / (8 * sizeof(unsigned long))])
#define FD_BIT(fd)	(1UL << ((unsigned)(fd) % (8 * sizeof(unsigned long))))

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MP_SANITIZED 1
#endif
#endif

#ifdef MP_SANITIZED
/* The sanitizer runtime's interceptors; weak: NULL when it has none. */
extern int __interceptor_accept(int, struct sockaddr *, socklen_t *)
    __attribute__((weak));
extern ssize_t __interceptor_read(int, void *, size_t) __attribute__((weak));
extern int __interceptor_close(int) __attribute__((weak));
#define INTERCEPTOR(name)	((void *)__interceptor_##name)
#else
#define INTERCEPTOR(name)	NULL
#endif

/* The next accept/read/close: the sanitizer's interceptor, else libc's. */
#define real(name) \
	(INTERCEPTOR(name) != NULL ? INTERCEPTOR(name) : dlsym(RTLD_NEXT, #name))

/*
 * RESOLVE(cache, name, f): f = the next `name`, looked up once and kept in
 * `cache`. Threads may race to fill it; they store the same value, and the
 * atomic access keeps ThreadSanitizer from calling that a data race.
 */
#define RESOLVE(cache, name, f) do { \
	if (((f) = __atomic_load_n(&(cache), __ATOMIC_RELAXED)) == NULL) { \
		if (((f) = real(name)) == NULL) { \
			errno = ENOSYS; \
			return -1; \
		} \
		__atomic_store_n(&(cache), (f), __ATOMIC_RELAXED); \
	} \
} while (0)

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
	int (*f)(int, struct sockaddr *, socklen_t *);
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	int s, one = 1;

	RESOLVE(real_accept, accept, f);
	if ((s = f(fd, sa, len)) < 0 || s >= TCP_FD_MAX)
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
	ssize_t (*f)(int, void *, size_t);
	ssize_t r;
	int one = 1;

	RESOLVE(real_read, read, f);
	r = f(fd, buf, n);
	if (r > 0 && is_tcp(fd))
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	return r;
}

int
close(int fd)
{
	static int (*real_close)(int);
	int (*f)(int);

	RESOLVE(real_close, close, f);
	if (fd >= 0 && fd < TCP_FD_MAX)
		__atomic_and_fetch(&FD_WORD(fd), ~FD_BIT(fd), __ATOMIC_RELAXED);
	return f(fd);
}
