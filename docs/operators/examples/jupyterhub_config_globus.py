# jupyterhub_config.py for a Hub whose users log in with Globus, and whose servers send the
# Globus token of ALCF's IRI API to the facility (JupyterHub 6.x, OAuthenticator 17.3+).
# The client id and secret of the Hub's Globus app come from OAUTH_CLIENT_ID and
# OAUTH_CLIENT_SECRET, the callback URL from OAUTH_CALLBACK_URL.
c = get_config()  # noqa: F821 (defined by JupyterHub when it loads this file)

c.JupyterHub.authenticator_class = "globus"
c.GlobusOAuthenticator.scope = [
    "openid",
    "profile",
    # ALCF's IRI API (the scope ALCF's own login helper asks for): Globus answers with a token
    # for that resource server, which auth_state keeps under tokens.<resource server>.
    "https://auth.globus.org/scopes/6be511f6-a071-471f-9bc0-02a0d0836723/filesystem",
]
c.GlobusOAuthenticator.allow_all = True  # or allowed_users / allowed_globus_groups

c.Authenticator.enable_auth_state = True  # and JUPYTERHUB_CRYPT_KEY
c.JupyterHub.extra_user_scopes = {"admin:auth_state!user"}
c.Spawner.server_token_scopes = [
    "users:activity!user",
    "access:servers!server",
    "admin:auth_state!user",
]


# GlobusOAuthenticator also puts the whole auth_state (every token) into each server's
# environment as GLOBUS_DATA, where kernels and terminals inherit it. hpc-jupyter reads the
# token from the Hub instead: drop the variable (this hook runs after the Authenticator's).
def drop_globus_data(spawner):
    spawner.environment.pop("GLOBUS_DATA", None)


c.Spawner.pre_spawn_hook = drop_globus_data
