/* See media_damage.h. */
#include "media_damage.h"
#include "harness.h"

#include <string.h>

/* A small clip of n frames at 30 fps, 160x120, with sound when asked. */
char *
damage_make_clip (const char *dir, const char *name, guint frames, gboolean sound)
{
  /* 960 samples at 48 kHz: 50 buffers a second. */
  g_autofree char *audio
      = sound ? g_strdup_printf (
            "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=%u "
            "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.",
            frames * 50 / 30)
              : g_strdup ("");
  g_autofree char *pipeline = g_strdup_printf (
      "videotestsrc pattern=ball num-buffers=%u ! video/x-raw,format=I420,width=160,height=120,"
      "framerate=30/1 ! x264enc speed-preset=ultrafast key-int-max=15 ! mp4mux name=m "
      "! filesink location=%%s %s",
      frames, audio);
  return reel_test_make_media (dir, name, pipeline);
}

/* ---- MP4 surgery: box lookup and in-place edits ---------------------- */

static guint32
get32 (GByteArray *f, gsize at)
{
  return (guint32)f->data[at] << 24 | (guint32)f->data[at + 1] << 16 | (guint32)f->data[at + 2] << 8
         | f->data[at + 3];
}

static void
put32 (GByteArray *f, gsize at, guint32 v)
{
  f->data[at] = v >> 24;
  f->data[at + 1] = v >> 16;
  f->data[at + 2] = v >> 8;
  f->data[at + 3] = v;
}

static void
put64 (GByteArray *f, gsize at, guint64 v)
{
  put32 (f, at, (guint32)(v >> 32));
  put32 (f, at + 4, (guint32)v);
}

/* Where a container's children start, relative to the box: after the
 * header, and for stsd after its entry count, for a visual sample entry
 * after its 78 bytes of fields. */
static gsize
children_at (const guint8 *type)
{
  static const char *const plain[] = { "moov", "trak", "mdia", "minf", "stbl", "edts", "udta" };
  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    if (memcmp (type, plain[i], 4) == 0)
      return 8;
  if (memcmp (type, "stsd", 4) == 0)
    return 16;
  if (memcmp (type, "avc1", 4) == 0)
    return 8 + 78;
  return 0;
}

/* The box at path ("moov/trak/mdia/mdhd": the first of each name) of a
 * file whose boxes have 32-bit sizes; asserts it is there. */
static gsize
box_at (GByteArray *f, const char *path, gsize *size)
{
  g_auto (GStrv) names = g_strsplit (path, "/", -1);
  gsize from = 0, to = f->len;
  for (guint level = 0; names[level]; level++)
    {
      gsize at = from;
      for (;;)
        {
          g_assert_cmpuint (at + 8, <=, to);
          gsize len = get32 (f, at);
          g_assert_cmpuint (len, >=, 8);
          if (memcmp (f->data + at + 4, names[level], 4) == 0)
            {
              if (!names[level + 1])
                {
                  *size = len;
                  return at;
                }
              from = at + children_at (f->data + at + 4);
              to = at + len;
              break;
            }
          at += len;
        }
    }
  g_assert_not_reached ();
}

/* Adds delta to the size of every box (at any depth) that contains the
 * offset at: what growing or shrinking a box's payload requires. Only for
 * files whose moov comes after mdat, so no sample offset moves. */
static void
resize_around (GByteArray *f, gsize from, gsize to, gsize at, gssize delta)
{
  while (from + 8 <= to)
    {
      gsize len = get32 (f, from), kids;
      if (len < 8)
        return;
      if (at > from && at < from + len)
        {
          put32 (f, from, (guint32)((gssize)len + delta));
          if ((kids = children_at (f->data + from + 4)))
            resize_around (f, from + kids, from + len, at, delta);
          return;
        }
      from += len;
    }
}

/* Replaces old_len bytes at at with bytes, fixing the enclosing sizes. */
static void
splice (GByteArray *f, gsize at, gsize old_len, const guint8 *bytes, gsize len)
{
  resize_around (f, 0, f->len, at, (gssize)len - (gssize)old_len);
  g_byte_array_remove_range (f, (guint)at, (guint)old_len);
  /* GByteArray has no insert-many: append, then rotate into place. */
  {
    gsize tail = f->len - at;
    g_autofree guint8 *rest = g_memdup2 (f->data + at, tail);
    g_byte_array_set_size (f, (guint)at);
    g_byte_array_append (f, bytes, (guint)len);
    g_byte_array_append (f, rest, (guint)tail);
  }
}

/* A 32-bit field of every entry of a full-box table (stco, stsz, stts)
 * set to value: entries of entry_size bytes starting at first. */
static void
fill_table (GByteArray *f, const char *path, gsize first, gsize entry_size, gsize field,
            guint32 value)
{
  gsize size, at = box_at (f, path, &size);
  for (gsize e = at + first; e + entry_size <= at + size; e += entry_size)
    put32 (f, e + field, value);
}

/* Offset of the first occurrence of four bytes inside [from, to). */
static gsize
find4 (GByteArray *f, gsize from, gsize to, const char *what)
{
  for (gsize i = from; i + 4 <= to; i++)
    if (memcmp (f->data + i, what, 4) == 0)
      return i;
  g_assert_not_reached ();
}

/* Ten years, in seconds. */
#define TEN_YEARS_S ((guint64)10 * 365 * 24 * 3600)

/* Rewrites the durations of the movie (mvhd, in a timescale of 1 so ten
 * years fit 32 bits), the track (tkhd, its edit list) and the media (mdhd,
 * widened to version 1 for a 64-bit duration in its own timescale, which
 * the samples keep) to claim ten years. */
void
damage_claim_ten_years (GByteArray *f)
{
  gsize size, at;
  guint32 media_scale;
  guint8 mdhd[44] = { 0, 0, 0, 44, 'm', 'd', 'h', 'd', 1 };

  at = box_at (f, "moov/mvhd", &size);
  put32 (f, at + 20, 1);
  put32 (f, at + 24, (guint32)TEN_YEARS_S);
  at = box_at (f, "moov/trak/tkhd", &size);
  put32 (f, at + 28, (guint32)TEN_YEARS_S);
  at = box_at (f, "moov/trak/edts/elst", &size);
  put32 (f, at + 16, (guint32)TEN_YEARS_S);
  at = box_at (f, "moov/trak/mdia/mdhd", &size);
  g_assert_cmpuint (f->data[at + 8], ==, 0);
  media_scale = get32 (f, at + 20);
  {
    GByteArray view = { mdhd, sizeof mdhd };
    put32 (&view, 28, media_scale);
    put64 (&view, 32, TEN_YEARS_S * media_scale);
    memcpy (mdhd + 40, f->data + at + 28, 4); /* language, pre_defined */
  }
  splice (f, at, size, mdhd, sizeof mdhd);
}

GByteArray *
damage_load (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;
  GByteArray *f;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  f = g_byte_array_sized_new ((guint)len);
  g_byte_array_append (f, (const guint8 *)data, (guint)len);
  return f;
}

char *
damage_save (const char *dir, const char *name, const guint8 *data, gsize len)
{
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, (const char *)data, (gssize)len, NULL));
  return path;
}

/* ---- The corpus ------------------------------------------------------ */

/* A forged H.264 sequence parameter set (a NAL unit, with emulation
 * prevention), Baseline profile, with the given fields. */
typedef struct
{
  GByteArray *out;
  guint8 byte;
  guint n;
} Bits;

static void
put_bit (Bits *b, guint v)
{
  b->byte = (guint8)(b->byte << 1 | (v & 1));
  if (++b->n == 8)
    {
      g_byte_array_append (b->out, &b->byte, 1);
      b->byte = 0;
      b->n = 0;
    }
}

static void
put_bits (Bits *b, guint64 v, guint n)
{
  while (n--)
    put_bit (b, (guint)(v >> n) & 1);
}

/* Exp-Golomb, as H.264's ue(v). */
static void
put_ue (Bits *b, guint64 v)
{
  guint len = 0;
  for (guint64 t = v + 1; t > 1; t >>= 1)
    len++;
  put_bits (b, 0, len);
  put_bits (b, v + 1, len + 1);
}

static GByteArray *
forged_sps (guint log2_max_frame_num_minus4, guint width_mbs, guint height_mbs)
{
  g_autoptr (GByteArray) rbsp = g_byte_array_new ();
  Bits b = { rbsp, 0, 0 };
  GByteArray *nal = g_byte_array_new ();
  guint zeros = 0;
  const guint8 header = 0x67;

  put_bits (&b, 66, 8); /* profile_idc: Baseline */
  put_bits (&b, 0, 8);  /* constraint flags */
  put_bits (&b, 30, 8); /* level_idc */
  put_ue (&b, 0);       /* seq_parameter_set_id */
  put_ue (&b, log2_max_frame_num_minus4);
  put_ue (&b, 2); /* pic_order_cnt_type */
  put_ue (&b, 1); /* max_num_ref_frames */
  put_bit (&b, 0);
  put_ue (&b, width_mbs - 1);
  put_ue (&b, height_mbs - 1);
  put_bit (&b, 1); /* frame_mbs_only_flag */
  put_bit (&b, 1); /* direct_8x8_inference_flag */
  put_bit (&b, 0); /* frame_cropping_flag */
  put_bit (&b, 0); /* vui_parameters_present_flag */
  put_bit (&b, 1); /* rbsp_stop_one_bit */
  while (b.n)
    put_bit (&b, 0);
  g_byte_array_append (nal, &header, 1);
  for (guint i = 0; i < rbsp->len; i++)
    {
      const guint8 escape = 3;
      if (zeros == 2 && rbsp->data[i] <= 3)
        {
          g_byte_array_append (nal, &escape, 1);
          zeros = 0;
        }
      g_byte_array_append (nal, rbsp->data + i, 1);
      zeros = rbsp->data[i] == 0 ? zeros + 1 : 0;
    }
  return nal;
}

/* Overwrites the SPS NAL unit in the first sample (where x264 repeats its
 * parameter sets, and where decoders take them from) with sps, padded with
 * zero bytes to the old length: the sample keeps its size. */
static void
forge_inband_sps (GByteArray *f, GByteArray *sps)
{
  gsize size, stco = box_at (f, "moov/trak/mdia/minf/stbl/stco", &size);
  gsize stsz = box_at (f, "moov/trak/mdia/minf/stbl/stsz", &size);
  gsize at = get32 (f, stco + 16);
  gsize end = at + (get32 (f, stsz + 12) ? get32 (f, stsz + 12) : get32 (f, stsz + 20));
  while (at + 5 <= end)
    {
      gsize len = get32 (f, at);
      if ((f->data[at + 4] & 0x1f) == 7)
        {
          g_assert_cmpuint (sps->len, <=, len);
          memset (f->data + at + 4, 0, len);
          memcpy (f->data + at + 4, sps->data, sps->len);
          return;
        }
      at += 4 + len;
    }
  g_assert_not_reached ();
}

/* Replaces the (first) SPS of the video track's avcC with sps. */
static void
replace_sps (GByteArray *f, GByteArray *sps)
{
  gsize size, stsd = box_at (f, "moov/trak/mdia/minf/stbl/stsd", &size);
  gsize a = find4 (f, stsd, stsd + size, "avcC") + 4;
  guint old = (guint)f->data[a + 6] << 8 | f->data[a + 7];
  g_autoptr (GByteArray) repl = g_byte_array_new ();
  guint8 len[2] = { (guint8)(sps->len >> 8), (guint8)sps->len };
  g_byte_array_append (repl, len, 2);
  g_byte_array_append (repl, sps->data, sps->len);
  splice (f, a + 6, 2 + old, repl->data, repl->len);
}

static GByteArray *
copy_of (GByteArray *f)
{
  GByteArray *c = g_byte_array_sized_new (f->len);
  g_byte_array_append (c, f->data, f->len);
  return c;
}

static gsize
find_bytes (GByteArray *f, const char *what)
{
  gsize n = strlen (what);
  for (gsize i = 0; i + n <= f->len; i++)
    if (memcmp (f->data + i, what, n) == 0)
      return i;
  g_assert_not_reached ();
}

#define TS_PACKET 188

/* The PMT's PID, from the first PAT of an MPEG-TS. */
static guint
ts_pmt_pid (GByteArray *ts)
{
  for (gsize at = 0; at + TS_PACKET <= ts->len; at += TS_PACKET)
    {
      const guint8 *p = ts->data + at;
      guint pid = (p[1] & 0x1f) << 8 | p[2];
      gsize payload = 4;
      if (pid != 0 || !(p[1] & 0x40))
        continue;
      if (p[3] & 0x20)
        payload += 1 + p[4];
      payload += 1 + p[payload]; /* pointer_field */
      /* table header (8 bytes), then program_number and PMT PID */
      return (p[payload + 10] & 0x1f) << 8 | p[payload + 11];
    }
  g_assert_not_reached ();
}

void
damage_case_free (DamageCase *c)
{
  g_free (c->name);
  g_free (c->path);
  g_free (c->id);
  g_free (c->state);
  g_free (c->reason);
  g_free (c);
}

static void
add_case (GPtrArray *cases, const char *dir, const char *name, const char *maybe,
          const guint8 *data, gsize len)
{
  DamageCase *c = g_new0 (DamageCase, 1);
  c->name = g_strdup (name);
  c->maybe_decodable = maybe;
  c->path = damage_save (dir, name, data, len);
  g_ptr_array_add (cases, c);
}

/* Adds f as a case and frees it. */
static void
add_bytes (GPtrArray *cases, const char *dir, const char *name, const char *maybe, GByteArray *f)
{
  add_case (cases, dir, name, maybe, f->data, f->len);
  g_byte_array_unref (f);
}

static const char *const CONCEALED = "H.264 decoders conceal damaged slices: the picture is "
                                     "damaged, not gone";
static const char *const REFUSED_SPS
    = "avdec_h264 refuses the forged SPS and decodes the slices at the container's 160x120 "
      "anyway: the picture comes out whole";
static const char *const SHORTER = "an MPEG-TS has no index: a cut one is a shorter, whole video";

GPtrArray *
damage_corpus (const char *media, GRand *rng)
{
  GPtrArray *cases = g_ptr_array_new_with_free_func ((GDestroyNotify)damage_case_free);
  g_autofree char *v_path = damage_make_clip (media, "v.mp4", 60, FALSE);
  g_autofree char *vf_path = reel_test_make_media (
      media, "vf.mp4",
      "videotestsrc pattern=ball num-buffers=60 ! video/x-raw,format=I420,width=160,height=120,"
      "framerate=30/1 ! x264enc speed-preset=ultrafast key-int-max=15 ! mp4mux faststart=true "
      "! filesink location=%s");
  g_autofree char *ts_path = reel_test_make_media (
      media, "av.ts",
      "videotestsrc pattern=ball num-buffers=60 ! video/x-raw,format=I420,width=160,height=120,"
      "framerate=30/1 ! x264enc speed-preset=ultrafast key-int-max=15 ! mpegtsmux name=m "
      "! filesink location=%s audiotestsrc num-buffers=100 samplesperbuffer=960 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! aacparse ! m.");
  g_autofree char *mkv_path = reel_test_make_media (
      media, "v.mkv",
      "videotestsrc pattern=ball num-buffers=60 ! video/x-raw,format=I420,width=160,height=120,"
      "framerate=30/1 ! x264enc speed-preset=ultrafast key-int-max=15 ! matroskamux "
      "! filesink location=%s");
  g_autofree char *audio_path = reel_test_make_media (
      media, "audio-only.m4a",
      "audiotestsrc num-buffers=100 ! audioconvert ! avenc_aac ! mp4mux ! filesink location=%s");
  g_autofree char *still_path = reel_test_make_media (
      media, "still.png",
      "videotestsrc num-buffers=1 ! video/x-raw,width=64,height=64 ! pngenc ! filesink "
      "location=%s");
  /* Absurd sizes, really encoded: wider than 8K, and smaller than 16x16. */
  g_autofree char *wide_path = reel_test_make_media (
      media, "wide-16000x16.mp4",
      "videotestsrc num-buffers=3 ! video/x-raw,format=I420,width=16000,height=16,"
      "framerate=30/1 ! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s");
  g_autofree char *tiny_path = reel_test_make_media (
      media, "tiny-8x8.mkv",
      "videotestsrc num-buffers=30 ! video/x-raw,format=I420,width=8,height=8,framerate=30/1 "
      "! jpegenc ! matroskamux ! filesink location=%s");
  g_autoptr (GByteArray) v = damage_load (v_path);
  g_autoptr (GByteArray) vf = damage_load (vf_path);
  g_autoptr (GByteArray) ts = damage_load (ts_path);
  g_autoptr (GByteArray) mkv = damage_load (mkv_path);
  gsize size, moov = box_at (v, "moov", &size), mdat_size;
  gsize mdat = box_at (vf, "mdat", &mdat_size);
  GByteArray *f;

  /* Whole files that are not video, or not enough of one. */
  {
    const char *const whole[] = { audio_path, still_path, wide_path, tiny_path };
    for (guint i = 0; i < G_N_ELEMENTS (whole); i++)
      {
        g_autofree char *name = g_path_get_basename (whole[i]);
        g_autoptr (GByteArray) w = damage_load (whole[i]);
        g_autofree char *as = g_strconcat ("whole-", name, NULL);
        add_case (cases, media, as, NULL, w->data, w->len);
      }
  }
  {
    g_autofree guint8 *noise = g_malloc (100000);
    const char html[] = "<!doctype html><title>not a video</title><p>hello</p>\n";
    for (guint i = 0; i < 100000; i++)
      noise[i] = (guint8)g_rand_int (rng);
    add_case (cases, media, "random-bytes.mp4", NULL, noise, 100000);
    add_case (cases, media, "one-byte.mp4", NULL, noise, 1);
    add_case (cases, media, "html.mp4", NULL, (const guint8 *)html, sizeof html - 1);
  }
  /* MPEG-TS: garbage between sync bytes; a real one without its program
   * tables. */
  {
    g_autoptr (GByteArray) g = g_byte_array_new ();
    guint pmt = ts_pmt_pid (ts);
    for (guint i = 0; i < 2000; i++)
      {
        guint8 p[TS_PACKET] = { 0x47 };
        for (guint k = 1; k < TS_PACKET; k++)
          p[k] = (guint8)g_rand_int (rng);
        g_byte_array_append (g, p, TS_PACKET);
      }
    add_case (cases, media, "ts-garbage.ts", NULL, g->data, g->len);
    f = g_byte_array_new ();
    for (gsize at = 0; at + TS_PACKET <= ts->len; at += TS_PACKET)
      {
        guint pid = (ts->data[at + 1] & 0x1f) << 8 | ts->data[at + 2];
        if (pid != 0 && pid != pmt)
          g_byte_array_append (f, ts->data + at, TS_PACKET);
      }
    add_bytes (cases, media, "ts-no-program-tables.ts", NULL, f);
  }
  /* Cut before the index (mp4mux writes moov last). */
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("cut-before-index-%u.mp4", i);
      add_case (cases, media, name, NULL, v->data, (gsize)g_rand_int_range (rng, 32, (gint32)moov));
    }
  /* Index first, then cut inside the first half of the media data: the
   * index names samples the file does not hold. Cut late, what is left
   * plays. */
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("cut-in-mdat-%u.mp4", i);
      gsize end = mdat + 8 + (gsize)g_rand_int_range (rng, 0, (gint32)(mdat_size - 8) / 2);
      add_case (cases, media, name, NULL, vf->data, end);
    }
  add_case (cases, media, "cut-near-end.mp4",
            "cut after 90% of its media, it plays to where the cut is", vf->data,
            mdat + (mdat_size * 9) / 10);
  /* Wrong box sizes. */
  f = copy_of (v);
  put32 (f, moov, 0xfffffff0);
  add_bytes (cases, media, "moov-larger-than-file.mp4", NULL, f);
  f = copy_of (v);
  put32 (f, box_at (f, "moov/trak", &size), 4);
  add_bytes (cases, media, "trak-smaller-than-header.mp4", NULL, f);
  f = copy_of (v);
  {
    gsize m = box_at (f, "mdat", &size);
    put32 (f, m, 1); /* a 64-bit size follows: here, the media's first bytes */
  }
  add_bytes (cases, media, "mdat-largesize-garbage.mp4", NULL, f);
  /* Sample tables pointing nowhere. */
  f = copy_of (v);
  fill_table (f, "moov/trak/mdia/minf/stbl/stco", 16, 4, 0, 0x7fffff00);
  add_bytes (cases, media, "chunk-offsets-beyond-eof.mp4", NULL, f);
  f = copy_of (v);
  fill_table (f, "moov/trak/mdia/minf/stbl/stsz", 20, 4, 0, 0x7fffffff);
  add_bytes (cases, media, "sample-sizes-2gib.mp4", NULL, f);
  f = copy_of (v);
  put32 (f, box_at (f, "moov/trak/mdia/minf/stbl/stsz", &size) + 16, 0x40000000);
  add_bytes (cases, media, "sample-count-billion.mp4", NULL, f);
  /* Absurd durations and timescales. */
  f = copy_of (v);
  damage_claim_ten_years (f);
  add_bytes (cases, media, "ten-years.mp4", NULL, f);
  f = copy_of (v);
  fill_table (f, "moov/trak/mdia/minf/stbl/stts", 16, 8, 4, 0xffffffff);
  add_bytes (cases, media, "frames-of-16-days.mp4", NULL, f);
  f = copy_of (v);
  put32 (f, box_at (f, "moov/trak/mdia/mdhd", &size) + 20, 0);
  add_bytes (cases, media, "media-timescale-0.mp4", NULL, f);
  f = copy_of (v);
  put32 (f, box_at (f, "moov/mvhd", &size) + 20, 0);
  put32 (f, box_at (f, "moov/trak/mdia/mdhd", &size) + 20, 0);
  add_bytes (cases, media, "all-timescales-0.mp4", NULL, f);
  /* A track of no samples and no length. */
  f = copy_of (v);
  put32 (f, box_at (f, "moov/mvhd", &size) + 24, 0);
  put32 (f, box_at (f, "moov/trak/tkhd", &size) + 28, 0);
  put32 (f, box_at (f, "moov/trak/mdia/mdhd", &size) + 24, 0);
  put32 (f, box_at (f, "moov/trak/mdia/minf/stbl/stts", &size) + 12, 0);
  put32 (f, box_at (f, "moov/trak/mdia/minf/stbl/stsz", &size) + 16, 0);
  add_bytes (cases, media, "zero-length-track.mp4", NULL, f);
  /* Codec mismatches: H.264 samples labelled as another codec. */
  {
    const char *const fourccs[] = { "hvc1", "mp4v", "vp09" };
    for (guint i = 0; i < G_N_ELEMENTS (fourccs); i++)
      {
        g_autofree char *name = g_strdup_printf ("h264-labelled-%s.mp4", fourccs[i]);
        gsize stsd;
        f = copy_of (v);
        stsd = box_at (f, "moov/trak/mdia/minf/stbl/stsd", &size);
        memcpy (f->data + find4 (f, stsd, stsd + size, "avc1"), fourccs[i], 4);
        add_bytes (cases, media, name, NULL, f);
      }
  }
  f = copy_of (mkv);
  memcpy (f->data + find_bytes (f, "V_MPEG4/ISO/AVC"), "V_VP8\0\0\0\0\0\0\0\0\0\0", 15);
  add_bytes (cases, media, "h264-labelled-vp8.mkv", NULL, f);
  /* The decoder configuration: zeroed, or with forged parameter sets. */
  f = copy_of (v);
  {
    gsize stsd = box_at (f, "moov/trak/mdia/minf/stbl/stsd", &size);
    gsize a = find4 (f, stsd, stsd + size, "avcC");
    memset (f->data + a + 4, 0, get32 (f, a - 4) - 8);
  }
  add_bytes (cases, media, "avcc-zeroed.mp4", NULL, f);
  /* Forged parameter sets, in the decoder configuration and in band: a
   * picture wider than 8K that decoders accept; sizes and field values so
   * absurd that FFmpeg refuses the SPS and, it turns out, decodes the
   * slices at the container's size anyway (the picture comes out whole). */
  {
    const struct
    {
      const char *name;
      guint frame_num_bits_minus4, width_mbs, height_mbs;
      const char *maybe;
    } forged[] = {
      { "sps-8192x8192.mp4", 0, 512, 512, NULL },
      { "sps-65536x65536.mp4", 0, 4096, 4096, REFUSED_SPS },
      { "sps-frame-num-bits-1004.mp4", 1000, 10, 8, REFUSED_SPS },
    };
    for (guint i = 0; i < G_N_ELEMENTS (forged); i++)
      {
        g_autoptr (GByteArray) sps = forged_sps (forged[i].frame_num_bits_minus4,
                                                 forged[i].width_mbs, forged[i].height_mbs);
        f = copy_of (v);
        forge_inband_sps (f, sps);
        replace_sps (f, sps);
        add_bytes (cases, media, forged[i].name, forged[i].maybe, f);
      }
  }
  f = copy_of (mkv);
  for (guint i = 0; i < 64; i++)
    f->data[i] = (guint8)g_rand_int (rng);
  add_bytes (cases, media, "mkv-header-garbage.mkv", NULL, f);

  /* Damage a decoder may live with. */
  f = copy_of (v);
  {
    gsize m = box_at (f, "mdat", &size);
    for (guint i = 0; i < 200; i++)
      f->data[m + 8 + g_rand_int_range (rng, 0, (gint32)(size - 8))]
          ^= 1 << g_rand_int_range (rng, 0, 8);
  }
  add_bytes (cases, media, "bitstream-flips.mp4", CONCEALED, f);
  f = copy_of (ts);
  for (gsize at = 0; at + TS_PACKET <= f->len; at += TS_PACKET)
    if (g_rand_int_range (rng, 0, 10) == 0)
      for (guint k = 4; k < TS_PACKET; k++)
        f->data[at + k] = (guint8)g_rand_int (rng);
  add_bytes (cases, media, "ts-garbled-packets.ts", CONCEALED, f);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("ts-cut-%u.ts", i);
      add_case (cases, media, name, SHORTER, ts->data,
                (gsize)g_rand_int_range (rng, TS_PACKET, (gint32)ts->len));
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("header-flips-%u.mp4", i);
      f = copy_of (v);
      for (guint k = 0; k < 8; k++)
        f->data[moov + 8 + g_rand_int_range (rng, 0, (gint32)(f->len - moov - 8))]
            ^= 1 << g_rand_int_range (rng, 0, 8);
      add_bytes (cases, media, name,
                 "a flipped bit may land in a field nothing reads (a date, "
                 "a name)",
                 f);
    }
  return cases;
}
