/* The USERKEYS JetStream KV bucket: one crypto_secretbox key per username. */
#include "bus/userkeys.h"

#include "bus/bus-private.h"
#include "core/error.h"
#include <sodium.h>

/* Bucket name; KV keys are usernames, which are already KV-safe tokens. */
#define USERKEYS_BUCKET "USERKEYS"
/* Storing a key: tries, and the pause between them (about 5 s in all). */
#define USERKEYS_ATTEMPTS 10
#define USERKEYS_RETRY_MS 500

/* Whether s is JetStream not answering yet (right after a nats-server
 * restart), which a moment later it does. */
static gboolean
transient (natsStatus s)
{
  return s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS || s == NATS_NOT_YET_CONNECTED
         || s == NATS_CONNECTION_DISCONNECTED;
}

/* Opens the bucket, creating it when it is not there. A JetStream that
 * does not answer yet is asked again for a few seconds: reeld's start
 * and its first registrations come right after a nats-server restart
 * (seen in the fault suite, where a timeout here stopped reeld). */
static kvStore *
open_bucket (ReelBus *bus, guint replicas, GError **error)
{
  kvStore *kv = NULL;
  natsStatus s = js_KeyValue (&kv, bus->js, USERKEYS_BUCKET);
  for (guint attempt = 1; transient (s) && attempt < USERKEYS_ATTEMPTS; attempt++)
    {
      g_usleep (USERKEYS_RETRY_MS * 1000);
      s = js_KeyValue (&kv, bus->js, USERKEYS_BUCKET);
    }
  if (s == NATS_NOT_FOUND || s == NATS_ERR)
    {
      kvConfig cfg;
      kvConfig_Init (&cfg);
      cfg.Bucket = USERKEYS_BUCKET;
      /* One revision only: an overwritten or purged key leaves no copy. */
      cfg.History = 1;
      /* As many copies as the event log: a key lost with one server would
       * make that user's encrypted fields unreadable. */
      cfg.Replicas = (int)replicas;
      s = js_CreateKeyValue (&kv, bus->js, &cfg);
    }
  if (s != NATS_OK)
    {
      reel_bus_set_error (error, s, 0, "opening the user key bucket");
      return NULL;
    }
  return kv;
}

gboolean
reel_userkeys_ensure (ReelBus *bus, guint replicas, GError **error)
{
  kvStore *kv = open_bucket (bus, replicas, error);
  if (!kv)
    return FALSE;
  kvStore_Destroy (kv);
  return TRUE;
}

gboolean
reel_userkeys_create (ReelBus *bus, const char *username, guint8 key[REEL_USER_KEY_BYTES],
                      GError **error)
{
  natsStatus s = NATS_OK;
  /* Create, never Put: a registration racing for a taken name (refused
   * later by the log) must not replace the owner's key. A key already there
   * is used as it is: the owner's, or one left by a registration whose event
   * never made it. Right after a nats-server restart, a key that exists
   * (Create refused: "wrong last sequence") may not be readable yet, and
   * a Create may time out: both are tried again for a few seconds (seen in
   * the fault suite, where reeld then failed to start). */
  for (guint attempt = 0; attempt < USERKEYS_ATTEMPTS; attempt++)
    {
      g_autoptr (GError) local = NULL;
      kvStore *kv = open_bucket (bus, 1, error);
      uint64_t rev = 0;
      if (!kv)
        return FALSE;
      crypto_secretbox_keygen (key);
      s = kvStore_Create (&rev, kv, username, key, REEL_USER_KEY_BYTES);
      kvStore_Destroy (kv);
      if (s == NATS_OK)
        return TRUE;
      sodium_memzero (key, REEL_USER_KEY_BYTES);
      if (reel_userkeys_get (bus, username, key, &local))
        return TRUE;
      g_usleep (USERKEYS_RETRY_MS * 1000);
    }
  reel_bus_set_error (error, s, 0, "storing a user key");
  return FALSE;
}

gboolean
reel_userkeys_get (ReelBus *bus, const char *username, guint8 key[REEL_USER_KEY_BYTES],
                   GError **error)
{
  kvStore *kv = open_bucket (bus, 1, error);
  kvEntry *entry = NULL;
  natsStatus s;
  gboolean ok = FALSE;
  if (!kv)
    return FALSE;
  s = kvStore_Get (&entry, kv, username);
  if (s == NATS_NOT_FOUND)
    g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no key for user %s", username);
  else if (s != NATS_OK)
    reel_bus_set_error (error, s, 0, "reading a user key");
  else if (kvEntry_ValueLen (entry) != REEL_USER_KEY_BYTES)
    g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no valid key for user %s", username);
  else
    {
      memcpy (key, kvEntry_Value (entry), REEL_USER_KEY_BYTES);
      ok = TRUE;
    }
  if (entry)
    kvEntry_Destroy (entry);
  kvStore_Destroy (kv);
  return ok;
}

gboolean
reel_userkeys_purge (ReelBus *bus, const char *username, GError **error)
{
  kvStore *kv = open_bucket (bus, 1, error);
  natsStatus s;
  if (!kv)
    return FALSE;
  s = kvStore_Purge (kv, username, NULL);
  kvStore_Destroy (kv);
  if (s != NATS_OK)
    {
      reel_bus_set_error (error, s, 0, "purging a user key");
      return FALSE;
    }
  return TRUE;
}

gboolean
reel_userkeys_server (ReelBus *bus, const char *purpose, guint8 key[REEL_USER_KEY_BYTES],
                      GError **error)
{
  g_autofree char *name = g_strconcat ("server.", purpose, NULL);
  return reel_userkeys_create (bus, name, key, error);
}
