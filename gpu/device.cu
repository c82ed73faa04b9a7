// device.cu - CUDA device discovery (the kernels come with the stages that
// need them: MinHash signatures and perplexity scoring).
#include <cstdio>
#include <cstring>
#include <cuda_runtime.h>

extern "C" {
#include "gpu.h"
}

extern "C" void gpu_probe(struct gpu_info *info)
{
	memset(info, 0, sizeof(*info));
	int n = 0;
	cudaError_t err = cudaGetDeviceCount(&n);
	if (err != cudaSuccess || n <= 0) {
		snprintf(info->why, sizeof(info->why), "no CUDA device (%s)",
			 err != cudaSuccess ? cudaGetErrorString(err) : "none found");
		return;
	}
	cudaDeviceProp p;
	if (cudaGetDeviceProperties(&p, 0) != cudaSuccess) {
		snprintf(info->why, sizeof(info->why), "cannot query CUDA device 0");
		return;
	}
	info->count = n;
	snprintf(info->name, sizeof(info->name), "%s", p.name);
	info->major = p.major;
	info->minor = p.minor;
	cudaMemGetInfo(&info->free_mem, &info->total_mem);
}
