/* See roles.h. */
#include "app/roles.h"
#include "app/users/users.h"
#include "core/error.h"
#include "core/json.h"

static const char *const role_names[] = {
  [REEL_USER_ROLE_USER] = "user",
  [REEL_USER_ROLE_MODERATOR] = "moderator",
  [REEL_USER_ROLE_ADMIN] = "admin",
};

const char *
reel_user_role_name (ReelUserRole role)
{
  g_return_val_if_fail (role < G_N_ELEMENTS (role_names), "user");
  return role_names[role];
}

gboolean
reel_user_role_from_name (const char *name, ReelUserRole *role)
{
  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    if (g_str_equal (name, role_names[i]))
      {
        *role = (ReelUserRole)i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
configured_admin (const char *username, const char *const *admins)
{
  return admins && username && g_strv_contains (admins, username);
}

ReelUserRole
reel_roles_of_record (JsonObject *user, const char *const *admins)
{
  const char *username = json_object_get_string_member_with_default (user, "username", NULL);
  const char *name = json_object_get_string_member_with_default (user, "role", "user");
  ReelUserRole role = REEL_USER_ROLE_USER;
  if (configured_admin (username, admins))
    return REEL_USER_ROLE_ADMIN;
  /* A record this version cannot read gives no power. */
  return reel_user_role_from_name (name, &role) ? role : REEL_USER_ROLE_USER;
}

gboolean
reel_roles_of (ReelTxn *txn, const char *username, const char *const *admins, ReelUserRole *role,
               GError **error)
{
  g_autoptr (JsonObject) user = reel_users_require (txn, username, error);
  if (!user)
    return FALSE;
  *role = reel_roles_of_record (user, admins);
  return TRUE;
}

gboolean
reel_roles_require (ReelStore *store, const char *username, const char *const *admins,
                    ReelUserRole role, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  ReelUserRole held;
  if (!txn)
    return FALSE;
  if (!reel_roles_of (txn, username, admins, &held, error))
    {
      /* A token whose user is gone (deleted) has no powers. */
      if (g_error_matches (*error, REEL_ERROR, REEL_ERROR_NOT_FOUND))
        {
          g_clear_error (error);
          held = REEL_USER_ROLE_USER;
        }
      else
        return FALSE;
    }
  if (held < role)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_FORBIDDEN, "this needs the %s role",
                   reel_user_role_name (role));
      return FALSE;
    }
  return TRUE;
}

gboolean
reel_roles_set (ReelBus *bus, ReelStore *store, const char *const *admins, const char *actor,
                const char *username, ReelUserRole role, guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;
  ReelUserRole current;

  if (!reel_roles_require (store, actor, admins, REEL_USER_ROLE_ADMIN, error))
    return FALSE;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
    if (!txn || !reel_roles_of (txn, username, admins, &current, error))
      return FALSE;
  }
  if (configured_admin (username, admins) && role != REEL_USER_ROLE_ADMIN)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT,
                   "%s is an admin by the server's configuration (auth.admins); only the operator "
                   "can change that",
                   username);
      return FALSE;
    }
  json_object_set_string_member (data, "username", username);
  json_object_set_string_member (data, "role", reel_user_role_name (role));
  /* Its own subject, not the user's: reel.ev.user.<name> stays the
   * registration's, whose "first message" precondition claims the name. */
  subject = reel_event_subject ("role", username);
  return reel_events_publish (bus, subject, "user.role_set", 1, actor, data, FALSE, seq, error);
}

gboolean
reel_roles_apply_set (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *username = reel_json_get_string (ev->data, "username", TRUE, error);
  const char *name = username ? reel_json_get_string (ev->data, "role", TRUE, error) : NULL;
  g_autoptr (JsonObject) user = NULL;
  ReelUserRole role;
  if (!name)
    return FALSE;
  if (!reel_user_role_from_name (name, &role))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "user.role_set: unknown role \"%s\"",
                   name);
      return FALSE;
    }
  user = reel_users_load (txn, username, error);
  if (!user)
    return *error == NULL; /* no such user: nothing to change */
  if (role == REEL_USER_ROLE_USER)
    {
      if (json_object_has_member (user, "role"))
        json_object_remove_member (user, "role");
    }
  else
    json_object_set_string_member (user, "role", reel_user_role_name (role));
  return reel_txn_put_json (txn, REEL_DB_USERS, username, strlen (username), user, error);
}
