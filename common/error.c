#include "error.h"

const char *sl_strerror(int code)
{
	switch (code) {
	case SL_OK: return "success";
	case SL_ENOMEM: return "out of memory";
	case SL_ETOOBIG: return "size limit exceeded";
	case SL_EIO: return "input/output error";
	case SL_EOPEN: return "cannot open";
	case SL_EJSON: return "malformed JSON";
	case SL_EGZIP: return "corrupt gzip data";
	case SL_EZSTD: return "corrupt zstd data";
	case SL_ETRUNC: return "unexpected end of input";
	case SL_EWARC: return "malformed WARC record";
	case SL_EHTTP: return "malformed HTTP message";
	case SL_ECHARSET: return "unsupported character set";
	case SL_EINVAL: return "invalid argument";
	case SL_EPIPE: return "broken pipe";
	case SL_EFORMAT: return "unrecognized format";
	}
	return "unknown error";
}
