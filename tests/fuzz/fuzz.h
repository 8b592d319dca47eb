/* What every libFuzzer harness of reel shares (tests/fuzz/fuzz_*.c).
 *
 * A harness feeds one input to one parser of untrusted bytes and checks,
 * besides "no crash, no leak, no undefined behaviour" (the sanitizers'
 * part), the promises every parser makes to the HTTP edge:
 *   - a GLib critical is a bug (a g_return_if_fail on bad input means the
 *     parser handed garbage to a library), and so is a warning, so both
 *     abort;
 *   - a refusal is a REEL_ERROR with a message that is valid UTF-8 (it goes
 *     out in a JSON error body).
 * REEL_FUZZ_CHECK states a harness's own properties; a failed one aborts,
 * which libFuzzer reports as a crash with the input that caused it. */
#pragma once

#include "core/error.h"

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REEL_FUZZ_CHECK(cond)                                                                      \
  do                                                                                               \
    {                                                                                              \
      if (!(cond))                                                                                 \
        {                                                                                          \
          fprintf (stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);             \
          abort ();                                                                                \
        }                                                                                          \
    }                                                                                              \
  while (0)

/* Warnings and criticals abort (SIGABRT, which libFuzzer catches and turns
 * into a crash file with the input) instead of GLib's fatal-criticals trap
 * (SIGTRAP, which libFuzzer does not catch: the run would die without the
 * input). No parser warns about its input; GLib warns about misuse, such
 * as a GError set twice. */
static inline void
reel_fuzz_abort_on_critical (GLogLevelFlags level)
{
  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    abort ();
}

/* A warning a library gives about its own bug, which a harness names (see
 * fuzz_config.c); NULL for none. */
static const char *reel_fuzz_known_warning;

static inline void
reel_fuzz_log_handler (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  if ((level & G_LOG_LEVEL_WARNING) && reel_fuzz_known_warning
      && strstr (message, reel_fuzz_known_warning))
    return;
  g_log_default_handler (domain, level, message, data);
  reel_fuzz_abort_on_critical (level);
}

static inline GLogWriterOutput
reel_fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
  GLogWriterOutput out = g_log_writer_default (level, fields, n, data);
  reel_fuzz_abort_on_critical (level);
  return out;
}

static inline void
reel_fuzz_init (void)
{
  g_log_set_default_handler (reel_fuzz_log_handler, NULL);
  g_log_set_writer_func (reel_fuzz_log_writer, NULL, NULL);
}

/* A parser's refusal: set, in REEL_ERROR, with a UTF-8 message. */
static inline void
reel_fuzz_check_error (const GError *error)
{
  REEL_FUZZ_CHECK (error != NULL);
  if (error->domain != REEL_ERROR || !g_utf8_validate (error->message, -1, NULL))
    {
      g_autofree char *shown = g_strescape (error->message, NULL);
      fprintf (stderr, "refused with %s: \"%s\"\n", g_quark_to_string (error->domain), shown);
    }
  REEL_FUZZ_CHECK (error->domain == REEL_ERROR);
  REEL_FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
}

/* The input as a NUL-terminated string (the parsers that take C strings
 * get what an HTTP header or query string can hold: no NUL). */
static inline char *
reel_fuzz_string (const uint8_t *data, size_t size)
{
  return g_strndup ((const char *)data, size);
}

/* Defines the harness's libFuzzer entry points around run(data, size). */
#define REEL_FUZZ_HARNESS(run)                                                                     \
  int LLVMFuzzerInitialize (int *argc, char ***argv);                                              \
  int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);                                   \
  int LLVMFuzzerInitialize (int *argc, char ***argv)                                               \
  {                                                                                                \
    reel_fuzz_init ();                                                                             \
    return 0;                                                                                      \
  }                                                                                                \
  int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)                                    \
  {                                                                                                \
    run (data, size);                                                                              \
    return 0;                                                                                      \
  }
