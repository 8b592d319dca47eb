/* See secret.h. */
#include "core/secret.h"
#include "core/error.h"
#include "core/idem.h"

#include <sodium.h>

#define SECRET_BYTES 32
#define HASH_BYTES 32

char *
reel_secret_hash (const char *secret)
{
  guint8 hash[HASH_BYTES];
  char hex[HASH_BYTES * 2 + 1];
  crypto_generichash (hash, sizeof hash, (const guint8 *)secret, strlen (secret), NULL, 0);
  return g_strdup (sodium_bin2hex (hex, sizeof hex, hash, sizeof hash));
}

char *
reel_secret_new (char **hash_hex, GError **error)
{
  guint8 raw[SECRET_BYTES];
  char b64[sodium_base64_ENCODED_LEN (SECRET_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  char *secret;
  if (sodium_init () < 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "libsodium failed to initialise");
      return NULL;
    }
  /* A retry could not show the client this secret again: the request is
   * not repeatable (core/idem.h). */
  reel_idem_spoil ();
  randombytes_buf (raw, sizeof raw);
  secret = g_strdup (sodium_bin2base64 (b64, sizeof b64, raw, sizeof raw,
                                        sodium_base64_VARIANT_URLSAFE_NO_PADDING));
  sodium_memzero (raw, sizeof raw);
  sodium_memzero (b64, sizeof b64);
  *hash_hex = reel_secret_hash (secret);
  return secret;
}

gboolean
reel_secret_hash_equal (const char *a, const char *b)
{
  gsize n = strlen (a);
  return n == strlen (b) && sodium_memcmp (a, b, n) == 0;
}
