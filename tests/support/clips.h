/* Generated media for the content checks' tests (issue 16): clips whose
 * sound is a seeded melody (random notes) and whose picture is seeded
 * scenes of drifting waves under moving blobs, cut every 2 to 5 s, so two seeds are unrelated and one
 * seed rendered from an offset, at another size, cropped or brightened is
 * still the same content. Written as WAV and Y4M, encoded by gst-launch. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define REEL_TEST_CLIP_FPS 10

/* One stretch of a clip: seed's signal from `from` seconds on, for
 * `seconds`. */
typedef struct
{
  guint seed;
  double from;
  double seconds;
} ReelTestPiece;

/* DIR/NAME.mp4 of a picture and a sound, each made of pieces, at width x
 * height: crop (a share of each side) cut off before scaling, brightness
 * added to every pixel, H.264 at kbps and AAC. */
char *reel_test_clip_make (const char *dir, const char *name, const ReelTestPiece *picture,
                           guint n_picture, const ReelTestPiece *sound, guint n_sound, guint width,
                           guint height, double crop, double brightness, guint kbps);

G_END_DECLS
