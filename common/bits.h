/*
 * bits.h - bit counting for the masks of the SIMD scanners.
 *
 * __builtin_popcount is one instruction only where the target has one
 * (-mpopcnt, -march=native); in a baseline x86-64 build it is a call into
 * libgcc.  pop32 is the instruction where there is one, else a few
 * arithmetic steps, inline.
 */
#ifndef SLUICE_BITS_H
#define SLUICE_BITS_H

#include <stdint.h>

static inline unsigned pop32(uint32_t x)
{
#if defined(__POPCNT__) || !(defined(__x86_64__) || defined(__i386__))
	return (unsigned)__builtin_popcount(x);
#else
	x = x - ((x >> 1) & 0x55555555u);
	x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
	x = (x + (x >> 4)) & 0x0f0f0f0fu;
	return (x * 0x01010101u) >> 24;
#endif
}

#endif
