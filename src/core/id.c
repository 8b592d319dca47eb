/* See id.h. */
#include "core/id.h"
#include "core/idem.h"

#include <sodium.h>

char *
reel_id_new (void)
{
  guint8 raw[8];
  char b64[sodium_base64_ENCODED_LEN (8, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  /* sodium_init() is idempotent and thread-safe; randombytes needs it. */
  if (sodium_init () < 0)
    g_error ("libsodium failed to initialise");
  /* A retried request (core/idem.h) names the same things. */
  if (!reel_idem_next (raw, sizeof raw))
    randombytes_buf (raw, sizeof raw);
  /* The first character is the top 6 bits of raw[0]; 62 and 63 are '-' and
   * '_'. An id that starts with '-' reads as an option on a command line
   * (`reel status -x...`), so those two become 30 and 31 ('e', 'f'): one
   * bit less of randomness in 1 of 32 ids, and a retried request still
   * names the same thing. */
  if ((raw[0] >> 2) >= 62)
    raw[0] &= 0x7f;
  return g_strdup (sodium_bin2base64 (b64, sizeof b64, raw, sizeof raw,
                                      sodium_base64_VARIANT_URLSAFE_NO_PADDING));
}

gboolean
reel_id_valid (const char *text)
{
  if (!text || strlen (text) != REEL_ID_LEN)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '-' || *p == '_'))
      return FALSE;
  return TRUE;
}
