/* See connections.h.
 *
 * One Conn per accepted socket, in a table by socket. Its deadline is a
 * number that requests and body chunks move; the sweep, every second,
 * shuts the connections past theirs (so a deadline holds to within a
 * second). Each Conn has one source of its own for its whole life, which
 * polls the socket while the connection is idle. (A timer and a socket
 * source made, attached and destroyed for every request cost about as much
 * as a small request itself: GLib wakes its main loop for each.) A Conn ends
 * when a sweep finds its socket closed or, with a libsoup that finalizes
 * sockets, through a weak reference (so no pointer outlives its socket). */
#include "http/connections.h"
#include "http/peer.h"
#include "core/metrics.h"

#include <sys/resource.h>

#define DATA_REFUSED "reel-refused"
/* Descriptors kept for everything but client connections (LMDB, NATS,
 * blobs being served, media pipelines): the total cap is lowered to fit
 * under RLIMIT_NOFILE with these spare, because libsoup stops accepting
 * for good once accept() fails. */
#define RESERVED_FDS 256
/* How often closed connections are released (the gauge and memory; the
 * caps themselves are checked exactly, sweeping at once when one is hit)
 * and deadlines are checked. */
#define SWEEP_INTERVAL_S 1
/* A refused client may try again once a few requests have finished. */
#define REFUSED_RETRY_AFTER "5"

typedef enum
{
  PHASE_HEADERS,
  PHASE_BODY,
  PHASE_HANDLING,
  PHASE_IDLE,
} Phase;

static const char *const phase_names[] = { "headers", "body", "handling", "idle" };

typedef struct
{
  ReelConnections *rc;
  GSocket *socket; /* weak reference */
  Phase phase;
  gint64 deadline_us;     /* monotonic; 0 = none */
  GSource *watch;         /* fires when idle and readable */
  gpointer reading;       /* idle: the socket's tag in watch (the next request or the close) */
  gboolean orphaned;      /* ended while idle: libsoup will not close it */
  SoupServerMessage *msg; /* weak pointer: the request being read */
  gpointer adopted_key;   /* for a connection taken over: its remote address */
} Conn;

/* What the trackers of all server threads count together: every open
 * connection, whichever thread watches it, so that a cap reached on one
 * thread can drop the connections closed on any (the caps stay exact). */
typedef struct
{
  GMutex lock;
  GHashTable *sockets; /* GSocket (weak) -> its peer key (owned; NULL: a trusted proxy) */
  GHashTable *per_ip;  /* peer key -> count */
  guint max_total;
  gint refs;
} Counts;

struct ReelConnections
{
  const ReelConfig *cfg;
  SoupServer *server;
  GMainContext *context; /* the server's, where every source of this tracker runs */
  gulong handlers[4];    /* on server: request-started, -read, -finished, -aborted */
  GSource *sweep;        /* releases closed connections every SWEEP_INTERVAL_S */
  GPtrArray *trusted;
  GHashTable *conns;   /* GSocket -> Conn (owned) */
  GHashTable *adopted; /* remote address (pointer) -> GSocket, for taken connections */
  Counts *counts;      /* shared */
};

static void
clear_source (GSource **source)
{
  if (*source)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Called with the counts locked. */
static void
update_gauge (Counts *counts)
{
  reel_metrics_set ("reel_http_connections", NULL, g_hash_table_size (counts->sockets));
}

/* Stops counting socket (with the counts locked); FALSE when it was not. */
static gboolean
uncount_locked (Counts *counts, gpointer socket)
{
  gpointer peer;
  if (!g_hash_table_lookup_extended (counts->sockets, socket, NULL, &peer))
    return FALSE;
  if (peer)
    {
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts->per_ip, peer));
      if (n <= 1)
        g_hash_table_remove (counts->per_ip, peer);
      else
        g_hash_table_insert (counts->per_ip, g_strdup (peer), GUINT_TO_POINTER (n - 1));
    }
  g_hash_table_remove (counts->sockets, socket);
  return TRUE;
}

/* Stops counting socket. */
static void
uncount (Counts *counts, gpointer socket)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&counts->lock);
  if (uncount_locked (counts, socket))
    update_gauge (counts);
}

static void stop_reading (Conn *c);

/* Shuts the socket both ways: the client sees EOF, libsoup reads EOF and
 * closes the connection. */
static void
shut (Conn *c)
{
  c->deadline_us = 0;
  stop_reading (c);
  /* libsoup 3.2 never closes a keep-alive connection that ends between
   * requests (its waiting message has no completion callback), so the
   * descriptor would leak; the sweep closes it once libsoup has read the
   * end (in this same main-loop iteration: nothing of libsoup's watches
   * the socket after that). */
  c->orphaned = c->phase == PHASE_IDLE;
  g_socket_shutdown (c->socket, TRUE, TRUE, NULL);
  /* Over for the caps at once: only this thread may close the descriptor
   * (its number could be reused under a libsoup watch of this thread's),
   * but a cap reached on another thread must not wait for that. */
  if (c->orphaned)
    uncount (c->rc->counts, c->socket);
}

static void
kick (Conn *c)
{
  g_autoptr (GString) labels = g_string_new (NULL);
  reel_metrics_label (labels, "phase", phase_names[c->phase]);
  reel_metrics_add ("reel_http_connections_timed_out_total", labels->str, 1);
  shut (c);
}

/* Idle: watches the socket for the next request or the client's close. */
static void
start_reading (Conn *c)
{
  if (!c->reading && !g_socket_is_closed (c->socket))
    c->reading = g_source_add_unix_fd (c->watch, g_socket_get_fd (c->socket), G_IO_IN);
}

/* Not polled at all otherwise: poll(2) reports a hang-up or error even
 * for no events, and the watch would fire over and over until libsoup,
 * busy with the request, saw it. */
static void
stop_reading (Conn *c)
{
  if (c->reading)
    g_source_remove_unix_fd (c->watch, c->reading);
  c->reading = NULL;
}

static void
enter (Conn *c, Phase phase, guint timeout_s)
{
  c->phase = phase;
  c->deadline_us = timeout_s ? g_get_monotonic_time () + (gint64)timeout_s * G_USEC_PER_SEC : 0;
}

static void
on_got_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer data)
{
  Conn *c = data;
  if (c->phase == PHASE_BODY && c->deadline_us)
    c->deadline_us
        = g_get_monotonic_time () + (gint64)c->rc->cfg->http_body_timeout_s * G_USEC_PER_SEC;
}

static void
on_got_headers (SoupServerMessage *msg, gpointer data)
{
  Conn *c = data;
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  SoupEncoding enc = soup_message_headers_get_encoding (h);
  gboolean body
      = enc == SOUP_ENCODING_CHUNKED
        || (enc == SOUP_ENCODING_CONTENT_LENGTH && soup_message_headers_get_content_length (h) > 0);
  if (body)
    {
      enter (c, PHASE_BODY, c->rc->cfg->http_body_timeout_s);
      g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), c);
    }
  else
    enter (c, PHASE_HANDLING, 0);
}

/* Idle, something to read: the next request (request-started follows) or
 * the client's close, which libsoup 3.2 reads but never acts on for a
 * keep-alive connection between requests (the descriptor would leak). A
 * client that closes with unread data resets the connection: an error,
 * not an end, and just as final (counting it until the idle deadline kept
 * a busy client's address at its cap for that long). */
static void
on_readable (Conn *c)
{
  char byte;
  GInputVector v = { &byte, 1 };
  gint flags = G_SOCKET_MSG_PEEK;
  g_autoptr (GError) error = NULL;
  gssize n;
  if (c->phase != PHASE_IDLE || g_socket_is_closed (c->socket))
    {
      stop_reading (c); /* the next request is being read */
      return;
    }
  n = g_socket_receive_message (c->socket, NULL, &v, 1, NULL, NULL, &flags, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return;
  stop_reading (c);
  if (n <= 0)
    shut (c);
}

typedef struct
{
  GSource source;
  Conn *conn;
} Watch;

static gboolean
watch_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  Conn *c = ((Watch *)source)->conn;
  if (c->reading && g_source_query_unix_fd (source, c->reading))
    on_readable (c);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs watch_funcs = { .dispatch = watch_dispatch };

/* Whether libsoup keeps the connection open after msg (its own test is
 * private): HTTP/1.1 unless either side said close, HTTP/1.0 only when the
 * client asked for keep-alive. */
static gboolean
keeps_alive (SoupServerMessage *msg)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
  if (soup_message_headers_header_contains (req, "Connection", "close")
      || soup_message_headers_header_contains (resp, "Connection", "close"))
    return FALSE;
  return soup_server_message_get_http_version (msg) != SOUP_HTTP_1_0
         || soup_message_headers_header_contains (req, "Connection", "Keep-Alive");
}

/* The connection msg came on, when it is watched. The server's signals
 * tell every message: connecting to each message's own costs more than a
 * small request. */
static Conn *
conn_of (ReelConnections *rc, SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  if (!socket)
    socket = g_hash_table_lookup (rc->adopted, soup_server_message_get_remote_address (msg));
  return socket ? g_hash_table_lookup (rc->conns, socket) : NULL;
}

/* The body is in (request-read). */
static void
on_request_read (SoupServer *server, SoupServerMessage *msg, gpointer data)
{
  Conn *c = conn_of (data, msg);
  if (c)
    enter (c, PHASE_HANDLING, 0);
}

/* The answer is out (request-finished, request-aborted): a keep-alive
 * connection now waits for the next request, whose first byte starts its
 * header deadline (request-started). */
static void
on_request_done (SoupServer *server, SoupServerMessage *msg, gpointer data)
{
  Conn *c = conn_of (data, msg);
  if (!c)
    return;
  if (!keeps_alive (msg))
    {
      enter (c, PHASE_HANDLING, 0); /* libsoup closes it now */
      return;
    }
  enter (c, PHASE_IDLE, c->rc->cfg->http_idle_timeout_s);
  start_reading (c);
}

static void
forget_message (Conn *c)
{
  if (!c->msg)
    return;
  g_signal_handlers_disconnect_by_data (c->msg, c);
  g_object_remove_weak_pointer (G_OBJECT (c->msg), (gpointer *)&c->msg);
  c->msg = NULL;
}

static void
watch_message (Conn *c, SoupServerMessage *msg)
{
  forget_message (c);
  c->msg = msg;
  g_object_add_weak_pointer (G_OBJECT (msg), (gpointer *)&c->msg);
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_got_headers), c);
}

static void
conn_free (Conn *c)
{
  clear_source (&c->watch);
  forget_message (c);
  g_free (c);
}

/* Stops counting a connection (and frees c). */
static void
release (ReelConnections *rc, Conn *c, gpointer socket)
{
  uncount (rc->counts, socket);
  if (c->adopted_key)
    g_hash_table_remove (rc->adopted, c->adopted_key);
  g_hash_table_remove (rc->conns, socket);
}

/* The socket is being finalized (libsoup 3.3 and later finalize a
 * connection's socket once it is closed). */
static void
conn_gone (gpointer data, GObject *where_the_socket_was)
{
  Conn *c = data;
  release (c->rc, c, where_the_socket_was);
}

/* Releases the connections libsoup has closed, closing the orphaned ones
 * first. libsoup 3.2 never finalizes a server connection's socket (its
 * objects leak), so closing is what tells: the descriptor is closed with
 * the connection. */
static void
sweep_closed (ReelConnections *rc)
{
  GHashTableIter it;
  gpointer socket, conn;
  g_autoptr (GPtrArray) closed = g_ptr_array_new ();
  g_hash_table_iter_init (&it, rc->conns);
  while (g_hash_table_iter_next (&it, &socket, &conn))
    {
      if (((Conn *)conn)->orphaned)
        (void)g_socket_close (socket, NULL);
      if (g_socket_is_closed (socket))
        g_ptr_array_add (closed, socket);
    }
  for (guint i = 0; i < closed->len; i++)
    {
      Conn *c = g_hash_table_lookup (rc->conns, closed->pdata[i]);
      g_object_weak_unref (closed->pdata[i], conn_gone, c);
      release (rc, c, closed->pdata[i]);
    }
}

/* Shuts the connections past their deadline. */
static void
sweep_late (ReelConnections *rc)
{
  GHashTableIter it;
  gpointer conn;
  gint64 now = g_get_monotonic_time ();
  g_hash_table_iter_init (&it, rc->conns);
  while (g_hash_table_iter_next (&it, NULL, &conn))
    {
      Conn *c = conn;
      if (c->deadline_us && now >= c->deadline_us)
        kick (c);
    }
}

static gboolean
on_sweep (gpointer data)
{
  sweep_late (data);
  sweep_closed (data);
  return G_SOURCE_CONTINUE;
}

/* Answers 503 on the raw socket (the request has not been read) and shuts
 * it; the request, if it is read anyway, does not run (refused()). */
static void
refuse (GSocket *socket, const char *cap, const char *why)
{
  g_autoptr (GString) labels = g_string_new (NULL);
  g_autofree char *body
      = g_strdup_printf ("{\"error\":{\"code\":\"unavailable\",\"message\":\"%s\"}}", why);
  g_autofree char *answer = g_strdup_printf ("HTTP/1.1 503 Service Unavailable\r\n"
                                             "Content-Type: application/json\r\n"
                                             "Cache-Control: no-store\r\n"
                                             "Retry-After: " REFUSED_RETRY_AFTER "\r\n"
                                             "Connection: close\r\n"
                                             "Content-Length: %zu\r\n\r\n%s",
                                             strlen (body), body);
  reel_metrics_label (labels, "cap", cap);
  reel_metrics_add ("reel_http_connections_refused_total", labels->str, 1);
  g_object_set_data (G_OBJECT (socket), DATA_REFUSED, GINT_TO_POINTER (TRUE));
  /* A new socket's send buffer is empty: this never blocks nor splits. */
  (void)g_socket_send_with_blocking (socket, answer, strlen (answer), FALSE, NULL, NULL);
  g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

gboolean
reel_connections_refused (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  return socket && g_object_get_data (G_OBJECT (socket), DATA_REFUSED);
}

static const char *
over_cap_locked (Counts *counts, const char *peer, guint per_ip_cap)
{
  if (g_hash_table_size (counts->sockets) >= counts->max_total)
    return "total";
  if (peer && GPOINTER_TO_UINT (g_hash_table_lookup (counts->per_ip, peer)) >= per_ip_cap)
    return "per_ip";
  return NULL;
}

static gboolean
over_cap (Counts *counts, const char *peer, guint per_ip_cap)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&counts->lock);
  return over_cap_locked (counts, peer, per_ip_cap) != NULL;
}

/* Which cap a new connection from peer (NULL: a trusted proxy) would
 * pass, or NULL when it fits; counts it when it does. At a cap it counts
 * again without the connections closed since the sweeps, whichever server
 * thread watches them, so the decision is exact. */
static const char *
count_in (Counts *counts, GSocket *socket, const char *peer, guint per_ip_cap)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&counts->lock);
  const char *cap = over_cap_locked (counts, peer, per_ip_cap);
  if (cap)
    {
      GHashTableIter it;
      gpointer other;
      g_autoptr (GPtrArray) closed = g_ptr_array_new ();
      g_hash_table_iter_init (&it, counts->sockets);
      while (g_hash_table_iter_next (&it, &other, NULL))
        if (g_socket_is_closed (other))
          g_ptr_array_add (closed, other);
      for (guint i = 0; i < closed->len; i++)
        uncount_locked (counts, closed->pdata[i]);
      cap = over_cap_locked (counts, peer, per_ip_cap);
    }
  if (cap)
    return cap;
  if (peer)
    g_hash_table_insert (
        counts->per_ip, g_strdup (peer),
        GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts->per_ip, peer)) + 1));
  g_hash_table_insert (counts->sockets, socket, g_strdup (peer));
  update_gauge (counts);
  return NULL;
}

/* Watches socket as c (owned by rc from now on). */
static Conn *
track (ReelConnections *rc, GSocket *socket)
{
  Conn *c = g_new0 (Conn, 1);
  c->rc = rc;
  c->socket = socket;
  c->watch = g_source_new (&watch_funcs, sizeof (Watch));
  ((Watch *)c->watch)->conn = c;
  g_source_attach (c->watch, rc->context);
  g_object_weak_ref (G_OBJECT (socket), conn_gone, c);
  g_hash_table_insert (rc->conns, socket, c);
  return c;
}

/* A new connection: counted, or refused at a cap (NULL). */
static Conn *
admit (ReelConnections *rc, SoupServerMessage *msg, GSocket *socket)
{
  GInetAddress *addr = reel_peer_address (msg);
  g_autofree char *peer
      = addr && !reel_peer_trusted (rc->trusted, addr) ? reel_peer_key (addr) : NULL;
  const char *cap;

  /* This thread's orphans are closed by its sweep: at a cap, first. */
  if (over_cap (rc->counts, peer, rc->cfg->http_max_conns_per_ip))
    sweep_closed (rc);
  cap = count_in (rc->counts, socket, peer, rc->cfg->http_max_conns_per_ip);
  if (cap)
    {
      refuse (socket, cap,
              g_str_equal (cap, "total") ? "the server has too many open connections"
                                         : "too many open connections from this address");
      return NULL;
    }
  return track (rc, socket);
}

gboolean
reel_connections_hand_over (ReelConnections *rc, GSocket *socket)
{
  Conn *c = g_hash_table_lookup (rc->conns, socket);
  if (!c)
    return FALSE;
  g_object_weak_unref (G_OBJECT (socket), conn_gone, c);
  g_hash_table_remove (rc->conns, socket);
  return TRUE;
}

void
reel_connections_take (ReelConnections *rc, GSocket *socket, GSocketAddress *remote)
{
  Conn *c = track (rc, socket);
  c->adopted_key = remote;
  g_hash_table_insert (rc->adopted, g_object_ref (remote), socket);
}

static void
on_request_started (SoupServer *server, SoupServerMessage *msg, gpointer data)
{
  ReelConnections *rc = data;
  GSocket *socket = soup_server_message_get_socket (msg);
  Conn *c;

  /* A connection taken over from another server thread has no socket of
   * libsoup's: it is known by its remote address, which libsoup keeps as
   * given for every message of the connection. */
  if (!socket)
    socket = g_hash_table_lookup (rc->adopted, soup_server_message_get_remote_address (msg));
  if (!socket || g_object_get_data (G_OBJECT (socket), DATA_REFUSED))
    return;
  c = g_hash_table_lookup (rc->conns, socket);
  if (!c)
    {
      /* Just accepted: the first request's headers are due. */
      if (!(c = admit (rc, msg, socket)))
        return;
      watch_message (c, msg);
      enter (c, PHASE_HEADERS, rc->cfg->http_header_timeout_s);
      return;
    }
  /* The first byte of the next request on a keep-alive connection (libsoup
   * starts a keep-alive request only when bytes arrive). */
  stop_reading (c);
  watch_message (c, msg);
  enter (c, PHASE_HEADERS, rc->cfg->http_header_timeout_s);
}

/* The total cap, lowered to fit the descriptors this process may open. */
static guint
total_cap (guint configured)
{
  struct rlimit lim;
  if (getrlimit (RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY
      || lim.rlim_cur >= (rlim_t)configured + RESERVED_FDS)
    return configured;
  guint fit = lim.rlim_cur > 2 * RESERVED_FDS ? (guint)(lim.rlim_cur - RESERVED_FDS)
                                              : (guint)(lim.rlim_cur / 2);
  g_message ("http.max_connections: %u does not fit the open-file limit of %lu; using %u "
             "(raise LimitNOFILE to allow more)",
             configured, (unsigned long)lim.rlim_cur, fit);
  return fit;
}

ReelConnections *
reel_connections_new (SoupServer *server, const ReelConfig *cfg, GPtrArray *trusted,
                      ReelConnections *share)
{
  ReelConnections *rc = g_new0 (ReelConnections, 1);
  reel_metrics_declare ("reel_http_connections", REEL_METRIC_GAUGE, "Open client connections");
  reel_metrics_declare ("reel_http_connections_refused_total", REEL_METRIC_COUNTER,
                        "Connections answered 503 and closed at once, by the cap they hit");
  reel_metrics_declare ("reel_http_connections_timed_out_total", REEL_METRIC_COUNTER,
                        "Connections closed for missing a deadline, by what they were doing");
  rc->cfg = cfg;
  rc->server = server;
  rc->trusted = trusted;
  rc->conns
      = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)conn_free);
  rc->adopted = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
  rc->context = g_main_context_ref_thread_default ();
  if (share)
    {
      rc->counts = share->counts;
      g_atomic_int_inc (&rc->counts->refs);
    }
  else
    {
      rc->counts = g_new0 (Counts, 1);
      g_mutex_init (&rc->counts->lock);
      rc->counts->per_ip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      rc->counts->sockets = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
      rc->counts->max_total = total_cap (cfg->http_max_conns);
      rc->counts->refs = 1;
      g_mutex_lock (&rc->counts->lock);
      update_gauge (rc->counts);
      g_mutex_unlock (&rc->counts->lock);
    }
  rc->handlers[0]
      = g_signal_connect (server, "request-started", G_CALLBACK (on_request_started), rc);
  rc->handlers[1] = g_signal_connect (server, "request-read", G_CALLBACK (on_request_read), rc);
  rc->handlers[2] = g_signal_connect (server, "request-finished", G_CALLBACK (on_request_done), rc);
  rc->handlers[3] = g_signal_connect (server, "request-aborted", G_CALLBACK (on_request_done), rc);
  rc->sweep = g_timeout_source_new_seconds (SWEEP_INTERVAL_S);
  g_source_set_callback (rc->sweep, on_sweep, rc, NULL);
  g_source_attach (rc->sweep, rc->context);
  return rc;
}

void
reel_connections_free (ReelConnections *rc)
{
  GHashTableIter it;
  gpointer socket, conn;
  if (!rc)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (rc->handlers); i++)
    g_signal_handler_disconnect (rc->server, rc->handlers[i]);
  clear_source (&rc->sweep);
  g_hash_table_iter_init (&it, rc->conns);
  while (g_hash_table_iter_next (&it, &socket, &conn))
    {
      /* No weak reference will drop it from the shared counts now: a
       * tracker still counting (another server thread's) must not keep a
       * pointer to a socket that may be freed. */
      g_object_weak_unref (socket, conn_gone, conn);
      uncount (rc->counts, socket);
    }
  g_hash_table_destroy (rc->conns);
  g_hash_table_destroy (rc->adopted);
  if (g_atomic_int_dec_and_test (&rc->counts->refs))
    {
      g_hash_table_destroy (rc->counts->per_ip);
      g_hash_table_destroy (rc->counts->sockets);
      g_mutex_clear (&rc->counts->lock);
      g_free (rc->counts);
    }
  g_main_context_unref (rc->context);
  g_free (rc);
}
