/* A GTest fixture for unit tests that need a real, empty LMDB environment
 * of their own (g_test_add with store_fixture_set_up/tear_down). */
#pragma once

#include "store/store.h"

#include "harness-free-tmp.h"

typedef struct
{
  char *dir;
  ReelStore *store;
  guint clock; /* free for the test, e.g. the time of the next event */
} StoreFixture;

static inline void
store_fixture_set_up (StoreFixture *f, gconstpointer data)
{
  f->dir = tmpdir ();
  f->store = reel_store_open (f->dir, NULL);
  g_assert_nonnull (f->store);
}

static inline void
store_fixture_tear_down (StoreFixture *f, gconstpointer data)
{
  reel_store_close (f->store);
  rmtree (f->dir);
  g_free (f->dir);
}
