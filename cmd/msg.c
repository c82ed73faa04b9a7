#include "msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "options.h"

int msg_progress_active;

static void vmsg(const char *fmt, va_list ap, const char *suffix)
{
	if (msg_progress_active) {
		fputs("\r\033[K", stderr);
		msg_progress_active = 0;
	}
	fprintf(stderr, "%s: ", opt_cmd);
	vfprintf(stderr, fmt, ap);
	if (suffix)
		fprintf(stderr, ": %s", suffix);
	fputc('\n', stderr);
}

void msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap, NULL);
	va_end(ap);
}

/* What follows a message of code: strerror(errno) for SL_EOPEN/SL_EIO,
 * which carry errno (e), else sl_strerror(code). */
static const char *why_of(int code, int e)
{
	return (code == SL_EOPEN || code == SL_EIO) && e ? strerror(e) : sl_strerror(code);
}

void msg_code(int code, const char *fmt, ...)
{
	va_list ap;
	const char *why = why_of(code, errno);
	va_start(ap, fmt);
	vmsg(fmt, ap, why);
	va_end(ap);
}

char *msg_text(int code, const char *fmt, ...)
{
	va_list ap;
	const char *why = code ? why_of(code, errno) : NULL;
	int n, m;
	char *s;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	m = why ? (int)strlen(why) + 2 : 0;
	if (!(s = malloc((size_t)n + (size_t)m + 1)))
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (why)
		sprintf(s + n, ": %s", why);
	return s;
}
