/* cpu.c - the stand-in for gpu/device.cu when sluice is built without CUDA. */
#include <stdio.h>
#include <string.h>

#include "gpu.h"

void gpu_probe(struct gpu_info *info)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->why, sizeof(info->why), "sluice was built without CUDA");
}
