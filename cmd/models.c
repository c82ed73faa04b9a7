/*
 * models.c - default model locations; see models.h.
 */
#include "models.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static int readable(const char *p)
{
	return access(p, R_OK) == 0;
}

const char *find_model_file(const char *name, const char *env, char *tmp, size_t n)
{
	static const char *const rel[] = { "/../models/", "/../../models/", "/../share/sluice/models/" };
	const char *e = env ? getenv(env) : NULL;
	char exe[PATH_MAX];
	ssize_t k;

	if (e && *e) {
		snprintf(tmp, n, "%s", e);
		return tmp;
	}
	snprintf(tmp, n, "models/%s", name);
	if (readable(tmp))
		return tmp;
	k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (k > 0) {
		char *slash;
		exe[k] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
				snprintf(tmp, n, "%s%s%s", exe, rel[i], name);
				if (readable(tmp))
					return tmp;
			}
		}
	}
	snprintf(tmp, n, "%s/models/%s", SLUICE_SOURCE_DIR, name);
	if (readable(tmp))
		return tmp;
	return NULL;
}
