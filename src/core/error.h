/* reel's one error domain.
 *
 * Every fallible function in reel reports failure through a GError in
 * REEL_ERROR. The codes name what went wrong from the caller's point of view
 * (bad input, not found, conflict, ...), so the HTTP edge can map each to its
 * status and the CLI to its message without knowing where it came from. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define REEL_ERROR (reel_error_quark ())
GQuark reel_error_quark (void);

typedef enum
{
  REEL_ERROR_INVALID,        /* malformed input: 400 */
  REEL_ERROR_UNAUTHORIZED,   /* no or bad credentials: 401 */
  REEL_ERROR_FORBIDDEN,      /* not yours: 403 */
  REEL_ERROR_NOT_FOUND,      /* 404 */
  REEL_ERROR_CONFLICT,       /* already exists / lost a race: 409 */
  REEL_ERROR_TOO_LARGE,      /* 413 */
  REEL_ERROR_UNSUPPORTED,    /* not a video / wrong content type: 415 */
  REEL_ERROR_UNPROCESSABLE,  /* well-formed but semantically wrong: 422 */
  REEL_ERROR_RATE_LIMITED,   /* 429 */
  REEL_ERROR_UNAVAILABLE,    /* NATS or storage down: 503 */
  REEL_ERROR_INTERNAL,       /* a bug or an unexpected system failure: 500 */
  REEL_ERROR_QUOTA_EXCEEDED, /* the user's storage quota would be passed: 413 */
  REEL_ERROR_BLOCKED,        /* taken down by the moderators (the message says why): 451 */
} ReelErrorCode;

/* The stable machine-readable name of a code, as used in API error bodies. */
const char *reel_error_code_name (ReelErrorCode code);

G_END_DECLS
