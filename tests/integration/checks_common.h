/* The node the checks tests share (one reeld with a test classifier, see
 * test_checks.c) and their helpers: generated media, HTTP as its users,
 * waiting for checks and notifications, and what a published, blocked or
 * disputed video looks like from outside. */
#pragma once

#include "clips.h"
#include "harness.h"
#include "replay.h"

#include <libsoup/soup.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define WORK_SECONDS 30
/* How long a check may take on a loaded 2-core machine: generous, it is
 * no acceptance threshold (the checks only have to finish). */
#define WAIT_STEPS 2400
#define WAIT_STEP_US (100 * 1000)

typedef struct
{
  ReelTestNats *nats;
  char *dir;
  char *config;
  ReelTestReeld *d;
  char *root, *alice, *bob;
  char *published; /* the unrelated clip, for the backfill */
} ChecksNode;
extern ChecksNode F;

typedef ReelTestPiece Piece;

/* An MP4 of a picture and a sound, each made of pieces (support/clips.h). */
char *make_clip (const char *name, const Piece *picture, guint n_picture, const Piece *sound,
                 guint n_sound, guint width, guint height, double crop, double brightness,
                 guint kbps);
/* Registers username and logs in; the session token. */
char *user (const char *username);
/* GET path as token's user, which must answer want; the JSON object. */
JsonObject *get_json (const char *path, const char *token, guint want);
/* Waits until a work is fingerprinted and indexed. */
void wait_indexed (const char *id);
/* Registers a work as root and waits until it is indexed. */
char *register_work (const char *path, const char *title);
/* The copyright check of a video as its owner sees it, once it is no
 * longer pending (and, for a passed one, once the video is ready). */
JsonObject *wait_named_check (const char *token, const char *video, const char *name);
/* wait_named_check of the copyright check. */
JsonObject *wait_check (const char *token, const char *video);
/* A list's items; whether the list at path shows video to token's user. */
JsonArray *items_of (JsonObject *o);
gboolean in_list (const char *path, const char *token, const char *video);
/* The notification of type about video token has, or NULL. */
JsonObject *notification (const char *token, const char *type, const char *video);
/* The same, once it came. */
JsonObject *wait_notification (const char *token, const char *type, const char *video);
/* Nobody but the owner and moderators sees it, and no list has it. */
void assert_unpublished (const char *video, const char *title);
/* Everyone sees it, in the lists and in search. */
void assert_published (const char *video, const char *title);
/* Blocked by the copyright check with a match of kind (audio, video). */
void assert_blocked (const char *video, const char *title, const char *kind);
/* The uploader disputes the block of video (acceptance of "a dispute route
 * lets the uploader contest a block"): held for a moderator, in the
 * moderators' queue, published by their unblock, and the uploader is told.
 * Only the owner disputes, only a blocked video, and says why. */
void assert_disputed (const char *video, const char *title, const char *passed_video);

/* The tests in checks_adult.c, and the classifier main () configures. */
char *write_classifier (void);
void test_adult (void);
void test_adult_default (void);
void test_alive (void);
void test_frames_hdr (void);
void test_one_decode (void);
