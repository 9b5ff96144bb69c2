# JupyterHub 4.x and 5.x have no extra_user_scopes: give the scope to the `user` role instead
# (in place of c.JupyterHub.extra_user_scopes; the rest of jupyterhub_config.py stays).
c = get_config()  # noqa: F821 (defined by JupyterHub when it loads this file)

c.JupyterHub.load_roles = [
    {"name": "user", "scopes": ["self", "admin:auth_state!user"]},
]
c.Spawner.server_token_scopes = [
    "users:activity!user",
    "access:servers!server",
    "admin:auth_state!user",
]
