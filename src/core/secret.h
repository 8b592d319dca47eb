/* Bearer secrets (session tokens, live stream keys): 32 random bytes from
 * libsodium, shown to their owner once as base64url, and known to reel only
 * by their BLAKE2b hash (hex), which is what events carry and the read
 * models store. 256 random bits need no slow password hash. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A new secret; *hash_hex receives its hash. NULL when libsodium cannot
 * initialise (REEL_ERROR_INTERNAL). */
char *reel_secret_new (char **hash_hex, GError **error);

/* The hash of a secret a client presented. */
char *reel_secret_hash (const char *secret);

/* Whether two hashes are equal, in constant time. */
gboolean reel_secret_hash_equal (const char *a, const char *b);

G_END_DECLS
