/* See urlsign.h. */
#include "core/urlsign.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

G_STATIC_ASSERT (REEL_URLSIGN_KEY_BYTES == crypto_auth_hmacsha256_KEYBYTES);

/* Longest decimal expiry a token may carry (unix seconds fit in 19). */
#define EXPIRES_DIGITS_MAX 19

/* The mac over "scope\nexpires": the newline cannot occur in an id, so no
 * two (scope, expires) pairs sign the same bytes. */
static void
mac_of (const guint8 *key, const char *scope, gint64 expires,
        guint8 mac[crypto_auth_hmacsha256_BYTES])
{
  g_autofree char *msg = g_strdup_printf ("%s\n%" G_GINT64_FORMAT, scope, expires);
  crypto_auth_hmacsha256 (mac, (const guint8 *)msg, strlen (msg), key);
}

char *
reel_urlsign_token (const guint8 key[REEL_URLSIGN_KEY_BYTES], const char *scope, gint64 expires)
{
  guint8 mac[crypto_auth_hmacsha256_BYTES];
  char b64[sodium_base64_ENCODED_LEN (crypto_auth_hmacsha256_BYTES,
                                      sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  mac_of (key, scope, expires, mac);
  return g_strdup_printf ("%" G_GINT64_FORMAT "-%s", expires,
                          sodium_bin2base64 (b64, sizeof b64, mac, sizeof mac,
                                             sodium_base64_VARIANT_URLSAFE_NO_PADDING));
}

gboolean
reel_urlsign_check (const guint8 key[REEL_URLSIGN_KEY_BYTES], const char *scope, const char *token,
                    gint64 now)
{
  guint8 want[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES];
  const char *dash = strchr (token, '-'), *end = NULL;
  gsize got_len = 0;
  gint64 expires;
  if (!dash || dash == token || dash - token > EXPIRES_DIGITS_MAX)
    return FALSE;
  for (const char *p = token; p < dash; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  expires = g_ascii_strtoll (token, NULL, 10);
  if (expires < now)
    return FALSE;
  if (sodium_base642bin (got, sizeof got, dash + 1, strlen (dash + 1), NULL, &got_len, &end,
                         sodium_base64_VARIANT_URLSAFE_NO_PADDING)
          != 0
      || got_len != sizeof got || *end)
    return FALSE;
  mac_of (key, scope, expires, want);
  return sodium_memcmp (want, got, sizeof got) == 0;
}
