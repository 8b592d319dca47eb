/* See action_cache.h. One lock for all slots: a lookup is a compare and a
 * copy of a few hundred bytes, far cheaper than the parse it saves. */
#include "app/analytics/action_cache.h"

#include <string.h>

typedef struct
{
  guint64 seq;
  char *data; /* the message's bytes; NULL: empty slot */
  gsize len;
  ReelAction *actions;
  guint n;
} Slot;

struct ReelActionCache
{
  GMutex lock;
  guint n_slots;
  Slot *slots;
  gsize max_bytes;
  gsize held;     /* bytes the slots hold */
  guint64 oldest; /* no slot holds a sequence below this */
};

/* What a slot's entry costs. */
static gsize
cost (gsize len, guint n)
{
  return len + sizeof (ReelAction) * n;
}

ReelActionCache *
reel_action_cache_new (guint slots, gsize max_bytes)
{
  ReelActionCache *cache = g_new0 (ReelActionCache, 1);
  g_mutex_init (&cache->lock);
  cache->n_slots = MAX (slots, 1);
  cache->slots = g_new0 (Slot, cache->n_slots);
  cache->max_bytes = max_bytes;
  return cache;
}

void
reel_action_cache_free (ReelActionCache *cache)
{
  if (!cache)
    return;
  for (guint i = 0; i < cache->n_slots; i++)
    {
      g_free (cache->slots[i].data);
      g_free (cache->slots[i].actions);
    }
  g_free (cache->slots);
  g_mutex_clear (&cache->lock);
  g_free (cache);
}

static gboolean
holds (const Slot *s, guint64 seq, const char *data, gsize len)
{
  return s->data && s->seq == seq && s->len == len && memcmp (s->data, data, len) == 0;
}

/* Frees what slot s holds. */
static void
empty (ReelActionCache *cache, Slot *s)
{
  if (!s->data)
    return;
  cache->held -= cost (s->len, s->n);
  g_clear_pointer (&s->data, g_free);
  g_clear_pointer (&s->actions, g_free);
  s->n = 0;
}

void
reel_action_cache_put (ReelActionCache *cache, guint64 seq, const char *data, gsize len,
                       const ReelAction *actions, guint n)
{
  Slot *s;
  if (!cache || n == 0)
    return;
  g_mutex_lock (&cache->lock);
  s = &cache->slots[seq % cache->n_slots];
  if (!holds (s, seq, data, len))
    {
      empty (cache, s);
      /* Within the budget: the oldest go first (at most a round of the
       * slots; past that, every older sequence has had its slot taken). */
      for (guint i = 0; cache->held + cost (len, n) > cache->max_bytes && cache->oldest < seq
                        && i < cache->n_slots;
           i++, cache->oldest++)
        {
          Slot *old = &cache->slots[cache->oldest % cache->n_slots];
          if (old->data && old->seq == cache->oldest)
            empty (cache, old);
        }
      if (cache->held + cost (len, n) > cache->max_bytes)
        cache->oldest = MAX (cache->oldest, seq >= cache->n_slots ? seq - cache->n_slots : 0);
      /* Still past the budget (a message bigger than it): not kept. */
      if (cache->held + cost (len, n) <= cache->max_bytes)
        {
          s->data = g_memdup2 (data, len);
          s->len = len;
          s->seq = seq;
          s->actions = g_memdup2 (actions, sizeof *actions * n);
          s->n = n;
          cache->held += cost (len, n);
        }
    }
  g_mutex_unlock (&cache->lock);
}

gboolean
reel_action_cache_get (ReelActionCache *cache, guint64 seq, const char *data, gsize len,
                       GArray *out)
{
  const Slot *s;
  gboolean hit;
  if (!cache)
    return FALSE;
  g_mutex_lock (&cache->lock);
  s = &cache->slots[seq % cache->n_slots];
  hit = holds (s, seq, data, len);
  if (hit)
    g_array_append_vals (out, s->actions, s->n);
  g_mutex_unlock (&cache->lock);
  return hit;
}
