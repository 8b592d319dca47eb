/* What the browser tests (test_browser.c, browser_ui.c, browser_admin.c:
 * one binary, test-browser) share: running a playwright script and
 * reading its JSON report. */
#pragma once

#include "harness.h"

#define PASSWORD "correct horse battery"

/* 2 s segments, 2 per chunk: the first chunk boundary is at 4 s. */
#define FIRST_BOUNDARY_S 4

/* The titles of the two uploads /browser/ui makes. */
#define TITLE1 "Bouncing ball <b>at dusk</b> & friends"
#define TITLE2 "Test card, second upload"

/* Runs the page script (watch.mjs, say) on url until the video is past
 * past_s, logged in as username with token (both NULL: anonymous); its
 * JSON report. run_page: with no upload to resume. */
JsonObject *run_page_full (const char *script, const char *url, double past_s, const char *token,
                           const char *username, const char *resume);
JsonObject *run_page (const char *script, const char *url, double past_s, const char *token,
                      const char *username);

/* What a page script saw: no error from the video element, hls.js, the
 * page or the network. */
void assert_no_errors (JsonObject *r);

/* What watch.mjs saw: the video played past the asked time with no error. */
void assert_played (JsonObject *r, const char *title);

/* A member of the script's report by a dotted path ("watch.after.videoWidth",
 * "bob.feed.0"); asserts that it is there. */
JsonNode *at (JsonObject *r, const char *dotted);

/* The number, string and array length at dotted. */
double num (JsonObject *r, const char *dotted);
const char *str (JsonObject *r, const char *dotted);
guint len (JsonObject *r, const char *dotted);

/* Whether one string of the array at dotted contains needle. */
gboolean any_contains (JsonObject *r, const char *dotted, const char *needle);

/* The heights of a JSON array of rungs, "360,240". */
char *heights (JsonObject *r, const char *member);

/* The strings of array member of r, comma-separated. */
char *strings_of (JsonObject *r, const char *member);

void assert_contains (const char *haystack, const char *needle);

/* The JSON object of GET path as token's user, which must answer 200. */
JsonObject *get_json (guint16 port, const char *path, const char *token);
