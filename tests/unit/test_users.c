/* app/users: input validation and the projection half (apply), against a
 * real LMDB environment. The command half is covered end to end by the
 * integration tests. */
#include "app/query/profiles.h"
#include "app/users/users.h"
#include "core/error.h"
#include "core/json.h"

#include "harness-free-tmp.h"
#include <sodium.h>

static void
test_usernames (void)
{
  const char *good[] = { "abc", "a_b-c", "user123", "abcdefghijklmnopqrstuvwxyz012345" };
  const char *bad[]
      = { "ab", "ABC", "ab c", "ab.c", "ab/c", "é_abc", "", "abcdefghijklmnopqrstuvwxyz0123456" };
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (reel_users_validate_username (good[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (reel_users_validate_username (bad[i], &error));
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
    }
}

static void
test_registration (void)
{
  ReelRegistration ok = { "amy", "long enough", "Amy Ångström", "amy@example.org" };
  ReelRegistration bad[] = {
    { "amy", "short", NULL, NULL },
    { "amy", "long enough", "", NULL },
    { "amy", "long enough", "tab\there", NULL },
    { "amy", "long enough", NULL, "no-at-sign" },
    { "amy", "long enough", NULL, "two@@example.org" },
    { "amy", "long enough", NULL, "@example.org" },
  };
  g_assert_true (reel_users_validate_registration (&ok, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (reel_users_validate_registration (&bad[i], &error));
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
    }
}

static ReelEvent *
make_event (const char *type, const char *json_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strdup_printf (
      "{\"type\":\"%s\",\"v\":1,\"id\":\"i\",\"at\":\"2026-01-01T00:00:00Z\",\"actor\":null,"
      "\"data\":%s}",
      type, json_data);
  ReelEvent *ev = reel_event_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  return ev;
}

static void
apply (ReelStore *store, const char *type, const char *json_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelEvent) ev = make_event (type, json_data);
  g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
  g_assert_true (reel_users_apply (txn, ev, &error));
  g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
}

static char *
hash_of (const char *token)
{
  guint8 h[32];
  char hex[65];
  crypto_generichash (h, sizeof h, (const guint8 *)token, strlen (token), NULL, 0);
  return g_strdup (sodium_bin2hex (hex, sizeof hex, h, sizeof h));
}

static void
test_apply (void)
{
  g_autofree char *dir = tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelStore) store = reel_store_open (dir, &error);
  g_autofree char *h1 = hash_of ("token-one"), *h2 = hash_of ("token-two");
  g_autofree char *future = NULL, *past = NULL, *revoke = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_true (sodium_init () >= 0);
  apply (store, "user.registered",
         "{\"username\":\"amy\",\"display_name\":\"Amy\",\"password_hash\":\"$argon2id$x\"}");
  /* A second registration of the same name cannot displace the first. */
  apply (store, "user.registered",
         "{\"username\":\"amy\",\"display_name\":\"Impostor\",\"password_hash\":\"$argon2id$y\"}");
  {
    g_autoptr (JsonObject) pub = reel_profiles_get (store, "amy", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (pub, "display_name"), ==, "Amy");
    g_assert_cmpstr (json_object_get_string_member (pub, "created_at"), ==, "2026-01-01T00:00:00Z");
    g_assert_false (json_object_has_member (pub, "password_hash"));
  }
  {
    g_autoptr (JsonObject) none = reel_profiles_get (store, "bob", &error);
    g_assert_null (none);
    g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  future = g_strdup_printf (
      "{\"username\":\"amy\",\"token_hash\":\"%s\",\"expires_at\":%" G_GINT64_FORMAT "}", h1,
      now + 3600);
  past = g_strdup_printf (
      "{\"username\":\"amy\",\"token_hash\":\"%s\",\"expires_at\":%" G_GINT64_FORMAT "}", h2,
      now - 1);
  apply (store, "session.created", future);
  apply (store, "session.created", past);
  {
    g_autofree char *who = reel_users_authenticate (store, "token-one", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (who, ==, "amy");
  }
  {
    /* Expired. */
    g_autofree char *who = reel_users_authenticate (store, "token-two", NULL, &error);
    g_assert_null (who);
    g_assert_error (error, REEL_ERROR, REEL_ERROR_UNAUTHORIZED);
    g_clear_error (&error);
  }
  revoke = g_strdup_printf ("{\"username\":\"amy\",\"token_hash\":\"%s\"}", h1);
  apply (store, "session.revoked", revoke);
  apply (store, "session.revoked", revoke); /* idempotent */
  {
    g_autofree char *who = reel_users_authenticate (store, "token-one", NULL, &error);
    g_assert_null (who);
    g_assert_error (error, REEL_ERROR, REEL_ERROR_UNAUTHORIZED);
    g_clear_error (&error);
  }
  /* A malformed event is reported as invalid, not applied. */
  {
    g_autoptr (ReelEvent) ev = make_event ("session.created", "{\"username\":\"amy\"}");
    g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
    g_assert_false (reel_users_apply (txn, ev, &error));
    g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  }
  g_clear_pointer (&store, reel_store_close);
  rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/users/usernames", test_usernames);
  g_test_add_func ("/users/registration", test_registration);
  g_test_add_func ("/users/apply", test_apply);
  return g_test_run ();
}
