/* bus/events: envelope parsing (what every consumer relies on). */
#include "bus/events.h"
#include "core/error.h"

static void
test_parse (void)
{
  const char *text = "{\"type\":\"user.registered\",\"v\":1,\"id\":\"x\",\"at\":\"t\","
                     "\"actor\":\"amy\",\"data\":{\"username\":\"amy\"}}";
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelEvent) ev = reel_event_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ev->type, ==, "user.registered");
  g_assert_cmpuint (ev->v, ==, 1);
  g_assert_cmpstr (ev->actor, ==, "amy");
  g_assert_cmpstr (json_object_get_string_member (ev->data, "username"), ==, "amy");

  const char *system = "{\"type\":\"x\",\"v\":2,\"id\":\"i\",\"at\":\"t\",\"actor\":null,"
                       "\"data\":{}}";
  g_autoptr (ReelEvent) ev2 = reel_event_parse (system, strlen (system), &error);
  g_assert_no_error (error);
  g_assert_null (ev2->actor);
  g_assert_cmpuint (ev2->v, ==, 2);
}

static void
test_reject (void)
{
  const char *bad[] = {
    "",
    "[]",
    "{\"type\":\"x\"}",
    "{\"type\":\"x\",\"v\":1,\"id\":\"i\",\"at\":\"t\",\"data\":[]}",
    "{\"type\":\"x\",\"v\":0,\"id\":\"i\",\"at\":\"t\",\"data\":{}}",
    "{\"type\":\"x\",\"v\":\"1\",\"id\":\"i\",\"at\":\"t\",\"data\":{}}",
    "{\"type\":\"x\",\"v\":{},\"id\":\"i\",\"at\":\"t\",\"data\":{}}",
    "{\"type\":1,\"v\":1,\"id\":\"i\",\"at\":\"t\",\"data\":{}}",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ReelEvent) ev = reel_event_parse (bad[i], strlen (bad[i]), &error);
      g_assert_null (ev);
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
    }
}

static void
test_subject (void)
{
  g_autofree char *s = reel_event_subject ("user", "amy");
  g_assert_cmpstr (s, ==, "reel.ev.user.amy");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/events/parse", test_parse);
  g_test_add_func ("/events/reject", test_reject);
  g_test_add_func ("/events/subject", test_subject);
  return g_test_run ();
}
