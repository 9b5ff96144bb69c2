# jupyter_server_config.py of the user image (or the cluster's environment): a slurmrestd
# whose Slurm accepts the IdP's tokens (AuthAltParameters=jwks=...). The Slurm user is the
# Hub user, so the Hub's usernames must be the cluster's (username_claim).
import getpass
import os

c = get_config()  # noqa: F821 (defined by Jupyter when it loads this file)

c.HPCJupyterApp.facilities = {
    "cluster": {
        "kind": "slurmrestd",
        "url": "https://slurmrestd.cluster.example.org:6820",
        "user": os.environ.get("JUPYTERHUB_USER") or getpass.getuser(),
        "token": {"hub": {"key": "access_token"}},
    },
}
