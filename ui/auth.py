"""Who is using the app: signed in through OpenID Connect, or the one user of local mode.

With an ``[auth]`` section in ``.streamlit/secrets.toml`` everyone signs in (``st.login``) and
gets the role the roles file gives them (:mod:`atlas.access`); without one the app runs in
*local mode*: one user with every right, and a banner that says so. The decisions themselves
are :func:`atlas.access.may`'s; this module only finds out who is asking and stops the page
for someone who may not see it.
"""

from __future__ import annotations

import streamlit as st

from atlas.access import LOCAL_USER, Role, User, load_roles, may, roles_path
from atlas.audit import record
from loaders import LayerError

_SIGNED_IN_KEY = "atlas_sign_in_recorded"


def auth_configured() -> bool:
    """True when ``secrets.toml`` has an ``[auth]`` section (sign-in required)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all: local mode
        return False


def current_user() -> User:
    """The person this session belongs to; never returns for someone who may not see the atlas.

    Anonymous visitors get the sign-in page, and someone signed in without an entry in the
    roles file a page saying so (and the refusal is recorded); both stop the script there.
    """
    if not auth_configured():
        return LOCAL_USER
    if not st.user.is_logged_in:
        _sign_in_page()
    claims = st.user.to_dict()
    email = claims.get("email")
    try:
        roles = load_roles(roles_path())
    except LayerError as exc:
        st.error(f"The roles file could not be read, so nobody can be let in:\n\n{exc}")
        st.stop()
    user = roles.user_for(str(email) if email else None, claims)
    if not st.session_state.get(_SIGNED_IN_KEY):
        st.session_state[_SIGNED_IN_KEY] = True
        if user.role is None:
            record(user, "sign-in", outcome="refused", reason="no entry in the roles file")
        else:
            record(user, "sign-in")
    if user.role is None:
        _no_access_page(user)
    return user


def _sign_in_page() -> None:
    st.title("Mali Security Atlas")
    st.write("Sign in to see the atlas.")
    st.button("Sign in", type="primary", icon=":material/login:", on_click=st.login)
    st.stop()


def _no_access_page(user: User) -> None:
    st.title("No access")
    st.write(
        f"You are signed in as **{user.id}**, but this atlas has not given you a role. "
        "Ask its administrator to add you to the roles file."
    )
    sign_out_button(user)
    st.stop()


def sign_out_button(user: User) -> None:
    """A sign-out button (none in local mode); signing out is recorded."""
    if user.mode != "oidc":
        return
    if st.button("Sign out", icon=":material/logout:", key="atlas_sign_out"):
        record(user, "sign-out")
        st.session_state.pop(_SIGNED_IN_KEY, None)
        st.logout()


def identity_panel(user: User) -> None:
    """Who is signed in and with what role, or the local-mode banner, in the sidebar."""
    with st.sidebar:
        if user.mode == "local":
            st.warning(
                "**Local mode**: no sign-in is configured, so whoever reaches this app has "
                "every right. See *Deploying* in the README to require sign-in.",
                icon=":material/lock_open:",
            )
            return
        where = "all regions" if user.regions is None else ", ".join(sorted(user.regions))
        role = user.role.label if isinstance(user.role, Role) else "none"
        st.caption(f"Signed in as **{user.name}** ({role}; {where})")
        sign_out_button(user)


_REFUSED_KEY = "atlas_refusals_recorded"


def refused(user: User, action: str, what: str) -> str | None:
    """Why ``user`` may not take ``action`` on this page, or None when they may.

    A refusal is recorded in the audit log once per session and action, not on every rerun
    of the page that shows it.
    """
    decision = may(user, action)
    if decision:
        return None
    recorded: set[str] = st.session_state.setdefault(_REFUSED_KEY, set())
    if action not in recorded:
        recorded.add(action)
        record(user, action, what, outcome="refused", reason=decision.reason)
    return decision.reason
