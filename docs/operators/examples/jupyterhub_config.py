# jupyterhub_config.py: a Hub whose users' servers take facility tokens from the Hub's login.
# JupyterHub 6.x, OAuthenticator 17.3 or later, hpc-jupyter installed in the Hub's environment.
# Keycloak through GenericOAuthenticator (the shape of CSCS's Hub); any OIDC provider whose
# access tokens the facility accepts works the same way.
from hpc_jupyter.hub import refresh_user_hook

c = get_config()  # noqa: F821 (defined by JupyterHub when it loads this file)

# Logging in. The client id and secret come from OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET in the
# Hub's environment, the callback URL from OAUTH_CALLBACK_URL
# (https://<hub>/hub/oauth_callback).
c.JupyterHub.authenticator_class = "generic-oauth"
keycloak = "https://auth.example.org/realms/hpc/protocol/openid-connect"
c.GenericOAuthenticator.authorize_url = f"{keycloak}/auth"
c.GenericOAuthenticator.token_url = f"{keycloak}/token"
c.GenericOAuthenticator.userdata_url = f"{keycloak}/userinfo"
c.GenericOAuthenticator.scope = ["openid", "profile"]  # plus what the facility asks for
c.GenericOAuthenticator.username_claim = "preferred_username"
c.GenericOAuthenticator.allow_all = True  # or allowed_users / allowed_groups

# Keep the tokens (encrypted: JUPYTERHUB_CRYPT_KEY in the Hub's environment, or
# c.CryptKeeper.keys) and refresh them ahead of expiry: refresh_user_hook refreshes once the
# access token has less than `margin` seconds left; the Hub asks at most every
# auth_refresh_age seconds. Keep auth_refresh_age below the tokens' lifetime minus margin
# (5-minute tokens: 60 and 90).
c.Authenticator.enable_auth_state = True
c.Authenticator.refresh_pre_spawn = True
c.Authenticator.auth_refresh_age = 60
c.GenericOAuthenticator.refresh_user_hook = refresh_user_hook(margin=90)

# Let each server's own token read its user's auth_state (and nobody else's). A server token
# gets only the scopes its user holds, so the user needs the scope too.
c.JupyterHub.extra_user_scopes = {"admin:auth_state!user"}
c.Spawner.server_token_scopes = [
    "users:activity!user",  # the default server scopes
    "access:servers!server",
    "admin:auth_state!user",
]
