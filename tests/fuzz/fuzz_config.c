/* Fuzzes reeld's configuration file (reel_config_load_data, the text form
 * of reel_config_load_file): GKeyFile's parse, then every key through its
 * setting's parser (numbers with ranges, listen addresses, roles, ladders,
 * URLs). A config file is written by the operator, not by strangers, but
 * a typo must end in a message, not a crash. Properties: a refusal is a
 * GKeyFile error or a REEL_ERROR with a UTF-8 message; an accepted file
 * leaves a config whose ladders parse. */
#include "core/config.h"
#include "fuzz.h"
#include "media/plan.h"

static void
run (const uint8_t *data, size_t size)
{
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rungs = NULL, live_rungs = NULL;

  if (!reel_config_load_data (cfg, (const char *)data, size, "fuzz.conf", &error))
    {
      /* GKeyFile's own messages quote the line as it is, in any bytes. */
      REEL_FUZZ_CHECK (error != NULL);
      if (error->domain != G_KEY_FILE_ERROR)
        reel_fuzz_check_error (error);
      return;
    }
  /* A loaded ladder is parsed, and its text parses again to the same. */
  REEL_FUZZ_CHECK (cfg->ladder.rungs && cfg->ladder.rungs->len > 0);
  REEL_FUZZ_CHECK (reel_ladder_parse (cfg->ladder.text, &rungs, NULL));
  REEL_FUZZ_CHECK (rungs->len == cfg->ladder.rungs->len);
  REEL_FUZZ_CHECK (reel_ladder_parse (cfg->live_ladder.text, &live_rungs, NULL));
}

/* GLib 2.74's g_key_file_get_string sets its GError twice (and warns about
 * it) for a value with a bad escape followed by a trailing backslash
 * ("\\x\\"): GLib's bug, not reel's; the first error is kept, and reel
 * refuses the file with it (/config/file). */
__attribute__ ((constructor)) static void
known_glib_warning (void)
{
  reel_fuzz_known_warning
      = "The overwriting error message was: Key file contains escape character at end of line";
}

REEL_FUZZ_HARNESS (run)
