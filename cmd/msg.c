#include "msg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
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

void msg_code(int code, const char *fmt, ...)
{
	va_list ap;
	int e = errno;
	const char *why = (code == SL_EOPEN || code == SL_EIO) && e ? strerror(e) : sl_strerror(code);
	va_start(ap, fmt);
	vmsg(fmt, ap, why);
	va_end(ap);
}
