/* See cmaf.h. ISO/IEC 14496-12 boxes: a 32-bit size (1 = 64-bit size
 * follows, 0 = to the end) and a four-character type; containers hold
 * boxes. Only the boxes on the paths below are read. */
#include "media/cmaf.h"
#include "core/error.h"

typedef struct
{
  const guint8 *p; /* box start */
  gsize size;      /* whole box */
  gsize header;    /* 8 or 16 */
  char type[5];
} Box;

static guint32
be32 (const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static guint64
be64 (const guint8 *p)
{
  return ((guint64)be32 (p) << 32) | be32 (p + 4);
}

/* The size field (1 already replaced by the 64-bit size that follows),
 * header length and type of the box at p; FALSE while fewer than avail
 * bytes hold its header. */
static gboolean
box_header (const guint8 *p, gsize avail, guint64 *size, gsize *header, char type[5])
{
  if (avail < 8)
    return FALSE;
  *size = be32 (p);
  *header = 8;
  memcpy (type, p + 4, 4);
  type[4] = '\0';
  if (*size == 1)
    {
      if (avail < 16)
        return FALSE;
      *size = be64 (p + 8);
      *header = 16;
    }
  return TRUE;
}

/* Reads the box at p (within end); FALSE when malformed or at the end. */
static gboolean
next_box (const guint8 *p, const guint8 *end, Box *b)
{
  guint64 size;
  if (!box_header (p, (gsize)(end - p), &size, &b->header, b->type))
    return FALSE;
  if (size == 0)
    size = (guint64)(end - p);
  if (size < b->header || size > (guint64)(end - p))
    return FALSE;
  b->p = p;
  b->size = (gsize)size;
  return TRUE;
}

/* Finds the first box of a path ("moov/trak/mdia/mdhd") inside [p, end). */
static gboolean
find_path (const guint8 *p, const guint8 *end, const char *path, Box *out)
{
  Box b;
  const char *slash = strchr (path, '/');
  gsize n = slash ? (gsize)(slash - path) : strlen (path);
  while (next_box (p, end, &b))
    {
      if (strlen (b.type) == n && memcmp (b.type, path, n) == 0)
        {
          if (!slash)
            {
              *out = b;
              return TRUE;
            }
          /* Sample entries (avc1, vp09, mp4a) and stsd have fields before
           * children. */
          gsize skip = g_str_equal (b.type, "stsd")                                   ? 8
                       : g_str_equal (b.type, "avc1") || g_str_equal (b.type, "vp09") ? 78
                       : g_str_equal (b.type, "mp4a")                                 ? 28
                                                                                      : 0;
          if (b.header + skip <= b.size
              && find_path (b.p + b.header + skip, b.p + b.size, slash + 1, out))
            return TRUE;
        }
      p += b.size;
    }
  return FALSE;
}

static char *
codecs_of (const guint8 *moov, const guint8 *end)
{
  Box b;
  if (find_path (moov, end, "moov/trak/mdia/minf/stbl/stsd/avc1/avcC", &b)
      && b.size >= b.header + 4)
    {
      const guint8 *c = b.p + b.header;
      return g_strdup_printf ("avc1.%02X%02X%02X", c[1], c[2], c[3]);
    }
  /* VP9 (ISO BMFF binding, vpcC version 1): profile, level, then the bit
   * depth in the high nibble; the short form "vp09.PP.LL.DD". */
  if (find_path (moov, end, "moov/trak/mdia/minf/stbl/stsd/vp09/vpcC", &b)
      && b.size >= b.header + 7)
    {
      const guint8 *c = b.p + b.header + 4;
      return g_strdup_printf ("vp09.%02u.%02u.%02u", c[0], c[1], c[2] >> 4);
    }
  if (find_path (moov, end, "moov/trak/mdia/minf/stbl/stsd/mp4a", &b))
    return g_strdup ("mp4a.40.2"); /* reel encodes AAC-LC only */
  return NULL;
}

/* Sum of the sample durations of one fragment. */
static guint64
fragment_ticks (const guint8 *moof, gsize size, guint32 default_duration)
{
  Box tfhd, trun;
  const guint8 *end = moof + size;
  guint64 total = 0;
  guint32 dflt = default_duration;

  if (find_path (moof, end, "moof/traf/tfhd", &tfhd) && tfhd.size >= tfhd.header + 8)
    {
      const guint8 *q = tfhd.p + tfhd.header;
      guint32 flags = be32 (q) & 0xffffff;
      gsize off = 8; /* version/flags + track id */
      if (flags & 0x01)
        off += 8;
      if (flags & 0x02)
        off += 4;
      if ((flags & 0x08) && tfhd.header + off + 4 <= tfhd.size)
        dflt = be32 (q + off);
    }
  if (!find_path (moof, end, "moof/traf/trun", &trun) || trun.size < trun.header + 8)
    return 0;
  {
    const guint8 *q = trun.p + trun.header;
    gsize off = 8, avail = trun.size - trun.header;
    guint32 flags = be32 (q) & 0xffffff, count = be32 (q + 4);
    gsize stride;
    /* Without per-sample durations every sample lasts the default: the
     * count alone says how long, and a count of four billion must not be
     * four billion steps. */
    if (!(flags & 0x100))
      return (guint64)count * dflt;
    if (flags & 0x01)
      off += 4;
    if (flags & 0x04)
      off += 4;
    stride = 4 + ((flags & 0x200) ? 4 : 0) + ((flags & 0x400) ? 4 : 0) + ((flags & 0x800) ? 4 : 0);
    /* Offsets, not pointers: a count larger than the box holds stops at
     * its end instead of walking past it. */
    for (guint32 i = 0; i < count && off + 4 <= avail; i++, off += stride)
      total += be32 (q + off);
  }
  return total;
}

/* The composition offset of the first sample of the first trun of a
 * fragment (moof box at p), or -1 when its samples have none (no
 * B-frames). */
static gint64
first_composition_offset (const guint8 *p, const guint8 *end)
{
  Box trun;
  const guint8 *q;
  guint32 flags;
  gsize at = 8;
  if (!find_path (p, end, "moof/traf/trun", &trun) || trun.size < trun.header + 8)
    return -1;
  q = trun.p + trun.header;
  flags = be32 (q) & 0xffffff;
  if (!(flags & 0x800) || be32 (q + 4) == 0)
    return -1;
  at += (flags & 0x01 ? 4 : 0) + (flags & 0x04 ? 4 : 0);
  /* The offset is the last of the first sample's fields. */
  at += ((flags & 0x100) ? 4 : 0) + ((flags & 0x200) ? 4 : 0) + ((flags & 0x400) ? 4 : 0);
  if (trun.header + at + 4 > trun.size)
    return -1;
  /* Version 1 offsets are signed; a negative first one is no delay. */
  return q[0] == 1 ? MAX (0, (gint64)(gint32)be32 (q + at)) : (gint64)be32 (q + at);
}

void
reel_cmaf_free (ReelCmaf *c)
{
  if (!c)
    return;
  g_clear_pointer (&c->init, g_bytes_unref);
  g_clear_pointer (&c->segments, g_ptr_array_unref);
  g_clear_pointer (&c->durations_ns, g_array_unref);
  g_free (c->codecs);
  g_free (c);
}

static gboolean
malformed (GError **error, const char *what)
{
  g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "fragmented MP4: %s", what);
  return FALSE;
}

ReelCmaf *
reel_cmaf_split (GBytes *data, guint64 offset_ns, GError **error)
{
  gsize len;
  const guint8 *start = g_bytes_get_data (data, &len), *end, *p;
  const guint8 *init_end = NULL;
  g_autoptr (ReelCmaf) c = g_new0 (ReelCmaf, 1);
  guint32 trex_duration = 0;
  guint64 offset_ticks;
  /* With B-frames: the file's first decode time, which becomes the
   * chunk's start, and the reorder delay (the first sample's composition
   * offset), which the edit list takes off presentation. */
  guint64 first_dts = 0;
  gint64 delay = -1;
  Box b, moov = { 0 };

  c->segments = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  c->durations_ns = g_array_new (FALSE, FALSE, sizeof (guint64));
  /* An empty file's data is NULL, and NULL + 0 is undefined. */
  if (!start)
    return malformed (error, "no moov box"), NULL;
  end = start + len;
  p = start;
  if (!find_path (start, end, "moov", &moov))
    return malformed (error, "no moov box"), NULL;
  if (!find_path (start, end, "moof", &b))
    {
      /* A muxer that got no samples at all (e.g. a range past the last
       * frame) writes headers only. */
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "fragmented MP4: no samples");
      return NULL;
    }
  if (find_path (start, end, "moov/trak/mdia/mdhd", &b) && b.size >= b.header + 24)
    c->timescale = b.p[b.header] == 1 ? be32 (b.p + b.header + 20) : be32 (b.p + b.header + 12);
  if (!c->timescale)
    return malformed (error, "no track timescale"), NULL;
  if (find_path (start, end, "moov/mvex/trex", &b) && b.size >= b.header + 16)
    trex_duration = be32 (b.p + b.header + 12);
  c->codecs = codecs_of (start, end);
  init_end = moov.p + moov.size;
  c->init = g_bytes_new (start, (gsize)(init_end - start));
  offset_ticks = (guint64)((offset_ns * (__uint128_t)c->timescale + 500000000) / 1000000000);

  p = init_end;
  while (next_box (p, end, &b))
    {
      Box mdat, tfdt;
      if (!g_str_equal (b.type, "moof"))
        {
          p += b.size; /* mfra and the like */
          continue;
        }
      if (!next_box (b.p + b.size, end, &mdat) || !g_str_equal (mdat.type, "mdat"))
        return malformed (error, "moof without mdat"), NULL;
      g_autofree guint8 *seg = g_memdup2 (b.p, b.size + mdat.size);
      /* Version 1 holds a 64-bit time: 12 bytes after the header, where
       * a version 0 box holds 8. Reading (and rewriting) 12 bytes of an
       * 8-byte box would overwrite the header of the box after it. */
      if (!find_path (seg, seg + b.size, "moof/traf/tfdt", &tfdt) || tfdt.size < tfdt.header + 8
          || (tfdt.p[tfdt.header] == 1 && tfdt.size < tfdt.header + 12))
        return malformed (error, "fragment without tfdt"), NULL;
      {
        guint8 *q = (guint8 *)tfdt.p + tfdt.header;
        guint64 t = q[0] == 1 ? be64 (q + 4) : be32 (q + 4);
        if (c->segments->len == 0)
          {
            first_dts = t;
            delay = first_composition_offset (seg, seg + b.size);
          }
        if (delay > 0)
          t -= MIN (t, first_dts);
        t += offset_ticks;
        if (q[0] == 1)
          for (int i = 0; i < 8; i++)
            q[4 + i] = (guint8)(t >> (56 - 8 * i));
        else if (t > G_MAXUINT32)
          return malformed (error, "decode time overflows a version 0 tfdt"), NULL;
        else
          for (int i = 0; i < 4; i++)
            q[4 + i] = (guint8)(t >> (24 - 8 * i));
      }
      guint64 ticks = fragment_ticks (seg, b.size, trex_duration);
      guint64 ns = (guint64)((ticks * (__uint128_t)1000000000 + c->timescale / 2) / c->timescale);
      g_array_append_val (c->durations_ns, ns);
      g_ptr_array_add (c->segments, g_bytes_new_take (g_steal_pointer (&seg), b.size + mdat.size));
      p = mdat.p + mdat.size;
    }
  if (c->segments->len == 0)
    return malformed (error, "no fragments"), NULL;
  if (delay > 0 && delay <= G_MAXUINT32 && !reel_cmaf_set_priming (c, (guint32)delay, error))
    return NULL;
  return g_steal_pointer (&c);
}

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

/* Grows a box's size field by n bytes in place (32- or 64-bit size). */
static void
grow_box (guint8 *box, gsize header, guint32 n)
{
  if (header == 16)
    {
      guint64 v = be64 (box + 8) + n;
      put_be32 (box + 8, (guint32)(v >> 32));
      put_be32 (box + 12, (guint32)v);
    }
  else
    put_be32 (box, be32 (box) + n);
}

gboolean
reel_cmaf_set_priming (ReelCmaf *c, guint32 priming, GError **error)
{
  /* edts(8) { elst(8) version/flags(4) entry_count(4) {segment_duration(4)
   * media_time(4) media_rate_integer(2) media_rate_fraction(2)} } */
  enum
  {
    ELST_SIZE = 8 + 4 + 4 + 12,
    EDTS_SIZE = 8 + ELST_SIZE
  };
  G_STATIC_ASSERT (EDTS_SIZE == REEL_CMAF_EDIT_LIST_BYTES);
  gsize len;
  const guint8 *start = g_bytes_get_data (c->init, &len), *end = start + len;
  Box moov, trak, tkhd, edts;
  guint8 box[EDTS_SIZE] = { 0 };
  GByteArray *out;

  if (!find_path (start, end, "moov", &moov) || !find_path (start, end, "moov/trak", &trak)
      || !find_path (start, end, "moov/trak/tkhd", &tkhd))
    return malformed (error, "init segment without moov/trak/tkhd");
  if (find_path (start, end, "moov/trak/edts", &edts))
    return TRUE;
  put_be32 (box, EDTS_SIZE);
  memcpy (box + 4, "edts", 4);
  put_be32 (box + 8, ELST_SIZE);
  memcpy (box + 12, "elst", 4);
  put_be32 (box + 16, 0); /* version 0, no flags */
  put_be32 (box + 20, 1); /* one entry */
  put_be32 (box + 24, 0); /* segment_duration 0: as long as the media */
  put_be32 (box + 28, priming);
  put_be32 (box + 32, 1 << 16); /* rate 1.0 */

  out = g_byte_array_sized_new ((guint)(len + EDTS_SIZE));
  g_byte_array_append (out, start, (guint)(tkhd.p + tkhd.size - start));
  g_byte_array_append (out, box, EDTS_SIZE);
  g_byte_array_append (out, tkhd.p + tkhd.size, (guint)(end - (tkhd.p + tkhd.size)));
  /* moov and trak come before tkhd, so their offsets are unchanged. */
  grow_box (out->data + (moov.p - start), moov.header, EDTS_SIZE);
  grow_box (out->data + (trak.p - start), trak.header, EDTS_SIZE);
  g_bytes_unref (c->init);
  c->init = g_byte_array_free_to_bytes (out);
  return TRUE;
}

gsize
reel_cmaf_box_size (const guint8 *p, gsize avail, char type[5])
{
  guint64 size;
  gsize header;
  if (!box_header (p, avail, &size, &header, type))
    return 0;
  if (size < header || size > G_MAXSIZE - 1)
    return G_MAXSIZE;
  return (gsize)size;
}
