/*
 * error.h - the one error enum every sluice library module returns.
 *
 * Library code (common/, shards/, filters/, dedup/, tokenizer/, gpu/) never
 * prints and never exits: functions return 0 (SL_OK) or a negative SL_E*
 * code, and cmd/ turns codes into messages with sl_strerror() plus the
 * context it alone knows (file name, line, byte offset).
 */
#ifndef SLUICE_ERROR_H
#define SLUICE_ERROR_H

enum sl_error {
	SL_OK = 0,
	SL_ENOMEM = -1,      /* allocation failed */
	SL_ETOOBIG = -2,     /* a size cap was reached (buffer, line, document) */
	SL_EIO = -3,         /* read/write failed; errno holds the reason */
	SL_EOPEN = -4,       /* cannot open; errno holds the reason */
	SL_EJSON = -5,       /* malformed JSON */
	SL_EGZIP = -6,       /* corrupt gzip data */
	SL_EZSTD = -7,       /* corrupt zstd data */
	SL_ETRUNC = -8,      /* input ended in the middle of something */
	SL_EWARC = -9,       /* malformed WARC record */
	SL_EHTTP = -10,      /* malformed HTTP message */
	SL_ECHARSET = -11,   /* unknown or unconvertible character set */
	SL_EINVAL = -12,     /* invalid argument */
	SL_EPIPE = -13,      /* downstream closed the pipe */
	SL_EFORMAT = -14,    /* input is not in the expected format */
	SL_ERR_MAX_ = -15
};

/* A static, lower-case description of an SL_E* code; never NULL. */
const char *sl_strerror(int code);

#endif
