// The signed-in session: the bearer token (localStorage) and the caller as `me`
// says, with their permissions (Me.permissions: [{permission, scope}]).

const TOKEN_KEY = "perfloop.token";

export function getToken() {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  localStorage.setItem(TOKEN_KEY, token.trim());
}

export function clearToken() {
  localStorage.removeItem(TOKEN_KEY);
}

export const ME_QUERY = `query Me {
  me {
    user { id email displayName }
    tenant { slug name }
    roles
    permissions { permission scope }
    employee { id name employeeNo position orgUnit { id } }
  }
}`;

/** The caller from `me`, with `scopes` (permission → widest scope). */
export function toViewer(me) {
  return { ...me, scopes: new Map(me.permissions.map((g) => [g.permission, g.scope])) };
}

/** Whether the viewer holds every permission of `required` (a name or a list). */
export function can(viewer, required) {
  const names = Array.isArray(required) ? required : required ? [required] : [];
  return names.every((name) => viewer?.scopes.has(name));
}

/** The viewer's scope of a permission ("tenant", "subtree", "team", "self") or null. */
export function scopeOf(viewer, permission) {
  return viewer?.scopes.get(permission) ?? null;
}
