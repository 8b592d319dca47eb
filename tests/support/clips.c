/* See clips.h. */
#include "clips.h"
#include "harness.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define AUDIO_RATE 22050
#define VIDEO_FPS REEL_TEST_CLIP_FPS

/* seed's melody: note k (of 24 semitones above 220 Hz) starts at
 * starts[k]. Long enough for any clip here. */
#define MELODY_NOTES 400
typedef struct
{
  double start[MELODY_NOTES + 1];
  double freq[MELODY_NOTES];
} Melody;

static void
melody_of (guint seed, Melody *m)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (seed * 7919u + 1);
  m->start[0] = 0;
  for (guint i = 0; i < MELODY_NOTES; i++)
    {
      m->start[i + 1] = m->start[i] + g_rand_double_range (r, 0.15, 0.45);
      m->freq[i] = 220.0 * pow (2.0, g_rand_int_range (r, 0, 24) / 12.0);
    }
}

/* The note playing at time t: its frequency and the time since it began. */
static double
note_at (const Melody *m, double t, double *since)
{
  guint lo = 0, hi = MELODY_NOTES;
  while (hi - lo > 1)
    {
      guint mid = (lo + hi) / 2;
      if (m->start[mid] <= t)
        lo = mid;
      else
        hi = mid;
    }
  *since = t - m->start[lo];
  return m->freq[lo];
}

static void
write_wav (const char *path, const ReelTestPiece *pieces, guint n)
{
  GByteArray *pcm = g_byte_array_new ();
  guint32 data_len, riff_len;
  guint8 header[44];
  for (guint p = 0; p < n; p++)
    {
      guint samples = (guint)(pieces[p].seconds * AUDIO_RATE);
      Melody m;
      melody_of (pieces[p].seed, &m);
      for (guint i = 0; i < samples; i++)
        {
          double t = pieces[p].from + (double)i / AUDIO_RATE, since;
          double f = note_at (&m, t, &since);
          double env = MIN (1.0, since * 40.0) * exp (-since * 3.0);
          double v = env * (sin (2 * G_PI * f * t) + 0.4 * sin (4 * G_PI * f * t));
          gint16 s = GINT16_TO_LE ((gint16)(v * 9000));
          g_byte_array_append (pcm, (const guint8 *)&s, 2);
        }
    }
  data_len = pcm->len;
  riff_len = 36 + data_len;
  memcpy (header, "RIFF", 4);
  for (int i = 0; i < 4; i++)
    header[4 + i] = (guint8)(riff_len >> (8 * i));
  memcpy (header + 8, "WAVEfmt ", 8);
  const guint8 fmt[] = { 16,
                         0,
                         0,
                         0,
                         1,
                         0,
                         1,
                         0,
                         AUDIO_RATE & 0xff,
                         (AUDIO_RATE >> 8) & 0xff,
                         0,
                         0,
                         (AUDIO_RATE * 2) & 0xff,
                         ((AUDIO_RATE * 2) >> 8) & 0xff,
                         0,
                         0,
                         2,
                         0,
                         16,
                         0 };
  memcpy (header + 16, fmt, sizeof fmt);
  memcpy (header + 36, "data", 4);
  for (int i = 0; i < 4; i++)
    header[40 + i] = (guint8)(data_len >> (8 * i));
  g_byte_array_prepend (pcm, header, sizeof header);
  g_assert_true (g_file_set_contents (path, (const char *)pcm->data, pcm->len, NULL));
  g_byte_array_unref (pcm);
}

/* seed's picture: scenes of 2 to 5 s, each drifting waves under three
 * moving blobs of its own, with hard cuts between them. One endless
 * shot of one wave would not do: its picture nearly repeats every few
 * seconds and differs from another seed's only in the wave's angle and
 * speed, so any picture hash finds long runs of look-alikes between
 * unrelated seeds, which real footage (cuts, new subjects) does not
 * have. */
typedef struct
{
  double fx, fy, v, ph;
  double cx[3], cy[3], w[3], p[3], s[3];
} Picture;

static void
picture_of (guint seed, Picture *pic)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (seed * 104729u + 3);
  pic->fx = g_rand_double_range (r, 0.6, 1.6);
  pic->fy = g_rand_double_range (r, 0.6, 1.6);
  pic->v = g_rand_double_range (r, 0.8, 1.6);
  pic->ph = g_rand_double_range (r, 0, 2 * G_PI);
  for (int b = 0; b < 3; b++)
    {
      pic->cx[b] = g_rand_double_range (r, 0.2, 0.8);
      pic->cy[b] = g_rand_double_range (r, 0.2, 0.8);
      pic->w[b] = g_rand_double_range (r, 0.3, 0.9);
      pic->p[b] = g_rand_double_range (r, 0, 2 * G_PI);
      pic->s[b] = g_rand_double_range (r, -70, 70);
    }
}

/* Scenes per seed: past the longest clip made here. */
#define SCENES 200

typedef struct
{
  double start[SCENES + 1];
} Scenes;

static void
scenes_of (guint seed, Scenes *sc)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (seed * 15485863u + 5);
  sc->start[0] = 0;
  for (guint i = 0; i < SCENES; i++)
    sc->start[i + 1] = sc->start[i] + g_rand_double_range (r, 2.0, 5.0);
}

/* The scene playing at time t (the last one past the end). */
static guint
scene_at (const Scenes *sc, double t)
{
  guint k = 0;
  while (k + 1 < SCENES && sc->start[k + 1] <= t)
    k++;
  return k;
}

/* The luma at (x, y) in [0,1]² at time t. */
static double
luma_at (const Picture *pic, double x, double y, double t)
{
  double l = 110 + 45 * sin (2 * G_PI * (pic->fx * x + pic->fy * y) + pic->v * t + pic->ph);
  for (int b = 0; b < 3; b++)
    {
      double bx = pic->cx[b] + 0.25 * sin (pic->w[b] * t + pic->p[b]);
      double by = pic->cy[b] + 0.25 * cos (0.7 * pic->w[b] * t + pic->p[b]);
      double d2 = (x - bx) * (x - bx) + (y - by) * (y - by);
      l += pic->s[b] * exp (-d2 / 0.02);
    }
  return l;
}

/* A Y4M of the pieces at width x height: crop (a share of each side) is
 * cut off before scaling, brightness added to every pixel. */
static void
write_y4m (const char *path, const ReelTestPiece *pieces, guint n, guint width, guint height,
           double crop, double brightness)
{
  FILE *f = fopen (path, "wb");
  g_autofree guint8 *frame = g_malloc (width * height * 3 / 2);
  g_assert_nonnull (f);
  fprintf (f, "YUV4MPEG2 W%u H%u F%u:1 Ip A1:1 C420jpeg\n", width, height, VIDEO_FPS);
  memset (frame + width * height, 128, width * height / 2);
  for (guint p = 0; p < n; p++)
    for (guint i = 0; i < (guint)(pieces[p].seconds * VIDEO_FPS); i++)
      {
        double t = pieces[p].from + (double)i / VIDEO_FPS;
        Scenes sc;
        Picture pic;
        scenes_of (pieces[p].seed, &sc);
        picture_of (pieces[p].seed * SCENES + scene_at (&sc, t), &pic);
        for (guint y = 0; y < height; y++)
          for (guint x = 0; x < width; x++)
            {
              double u = crop + (1 - 2 * crop) * (x + 0.5) / width;
              double v = crop + (1 - 2 * crop) * (y + 0.5) / height;
              frame[y * width + x] = (guint8)CLAMP (luma_at (&pic, u, v, t) + brightness, 16, 235);
            }
        fputs ("FRAME\n", f);
        fwrite (frame, 1, width * height * 3 / 2, f);
      }
  fclose (f);
}

char *
reel_test_clip_make (const char *dir, const char *name, const ReelTestPiece *picture,
                     guint n_picture, const ReelTestPiece *sound, guint n_sound, guint width,
                     guint height, double crop, double brightness, guint kbps)
{
  g_autofree char *wav = g_strdup_printf ("%s/%s.wav", dir, name);
  g_autofree char *y4m = g_strdup_printf ("%s/%s.y4m", dir, name);
  g_autofree char *file = g_strdup_printf ("%s.mp4", name);
  g_autofree char *line = NULL;
  char *out;
  write_wav (wav, sound, n_sound);
  write_y4m (y4m, picture, n_picture, width, height, crop, brightness);
  line = g_strdup_printf ("filesrc location=%s ! y4mdec ! videoconvert "
                          "! x264enc speed-preset=ultrafast bitrate=%u ! mp4mux name=m "
                          "! filesink location=%%s filesrc location=%s ! wavparse ! audioconvert "
                          "! audioresample ! avenc_aac bitrate=%u ! m.",
                          y4m, kbps, wav, kbps >= 500 ? 128000 : 64000);
  out = reel_test_make_media (dir, file, line);
  g_unlink (wav);
  g_unlink (y4m);
  return out;
}
