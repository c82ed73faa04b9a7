/*
 * gpu.h - the CPU/GPU dispatch point.
 *
 * Every operation in gpu/ has a CPU twin elsewhere; this header only says
 * whether CUDA can be used.  Built without CUDA (HAVE_CUDA == 0) the
 * functions below report that no device exists, so callers need no #ifdef.
 */
#ifndef SLUICE_GPU_H
#define SLUICE_GPU_H

#include <stddef.h>

struct gpu_info {
	int count;          /* CUDA devices visible; 0 when none or not built */
	char name[256];     /* device 0 */
	int major, minor;   /* compute capability of device 0 */
	size_t free_mem, total_mem;
	char why[256];      /* when count == 0: why not, for "--device auto" notes */
};

/* Fill *info.  Never fails: absence of a device is information, not an error. */
void gpu_probe(struct gpu_info *info);

#endif
