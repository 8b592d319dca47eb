/* See idem.h. The scope is thread-local: a command runs on one thread of
 * the GLib pool from start to end, and nothing else runs on that thread
 * meanwhile. Derived bytes are BLAKE2b keyed with the seed over a counter,
 * so each call gets fresh, unpredictable-without-the-seed bytes. */
#include "core/idem.h"

#include <sodium.h>
#include <stdarg.h>
#include <string.h>

typedef struct
{
  guint8 seed[REEL_IDEM_SEED_LEN];
  guint64 counter;
  gboolean spoiled;
} Scope;

static GPrivate current = G_PRIVATE_INIT (g_free);

void
reel_idem_seed (guint8 seed[REEL_IDEM_SEED_LEN], const char *first_part, ...)
{
  crypto_generichash_state st;
  va_list ap;
  if (sodium_init () < 0)
    g_error ("libsodium failed to initialise");
  crypto_generichash_init (&st, NULL, 0, REEL_IDEM_SEED_LEN);
  va_start (ap, first_part);
  for (const char *p = first_part; p; p = va_arg (ap, const char *))
    {
      /* Each part with its length first: ("ab", "c") is not ("a", "bc"). */
      guint8 len[8];
      gsize n = strlen (p);
      for (guint i = 0; i < 8; i++)
        len[i] = (guint8)(n >> (8 * i));
      crypto_generichash_update (&st, len, sizeof len);
      crypto_generichash_update (&st, (const guint8 *)p, n);
    }
  va_end (ap);
  crypto_generichash_final (&st, seed, REEL_IDEM_SEED_LEN);
}

void
reel_idem_begin (const guint8 seed[REEL_IDEM_SEED_LEN])
{
  Scope *s = g_new0 (Scope, 1);
  memcpy (s->seed, seed, REEL_IDEM_SEED_LEN);
  g_private_replace (&current, s);
}

void
reel_idem_end (void)
{
  g_private_replace (&current, NULL);
}

gboolean
reel_idem_active (void)
{
  return g_private_get (&current) != NULL;
}

void
reel_idem_spoil (void)
{
  Scope *s = g_private_get (&current);
  if (s)
    s->spoiled = TRUE;
}

gboolean
reel_idem_next (guint8 *out, gsize len)
{
  Scope *s = g_private_get (&current);
  guint8 counter[8], block[crypto_generichash_BYTES_MAX];
  g_return_val_if_fail (len <= sizeof block, FALSE);
  if (!s || s->spoiled)
    return FALSE;
  for (guint i = 0; i < 8; i++)
    counter[i] = (guint8)(s->counter >> (8 * i));
  s->counter++;
  crypto_generichash (block, sizeof block, counter, sizeof counter, s->seed, sizeof s->seed);
  memcpy (out, block, len);
  return TRUE;
}
