/*
 * msg.h - the only place sluice writes human messages (always to stderr).
 *
 * Messages read "sluice CMD: what happened": lower case, no full stop, the
 * subject in quotes, file and line or byte offset for data errors.
 */
#ifndef SLUICE_MSG_H
#define SLUICE_MSG_H

/* "sluice CMD: <message>" */
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* msg() plus ": " and sl_strerror(code) — or strerror(errno) for
 * SL_EOPEN/SL_EIO, which carry errno. */
void msg_code(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* msg_code's text, without the "sluice CMD: " before it, in a new string
 * (NULL when out of memory); code 0: msg's.  For a message found by a
 * worker thread and printed later, in input order, with msg("%s", text). */
char *msg_text(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Progress lines are drawn on a terminal with \r; a message must first
 * clear the line.  msg() does this when msg_progress_active is set. */
extern int msg_progress_active;

#endif
