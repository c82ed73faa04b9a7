#include "array.h"

#include <stdint.h>
#include <stdlib.h>

void *array_grow_(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *q;

	if (p && need <= *cap)
		return p;
	ncap = *cap < 8 ? 8 : *cap;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return NULL;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elem)
		return NULL;
	q = realloc(p, ncap * elem);
	if (!q)
		return NULL;
	*cap = ncap;
	return q;
}
