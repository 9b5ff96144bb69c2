"""Token sources behind one protocol: where a facility's credential comes from, cached and renewed.

Nothing here imports Jupyter; a source never logs, shows or returns its token except to the
upstream stack that sends it (`hpc_jupyter.backends.http`).
"""

from .base import MIN_LEFT, CachedToken, Token, TokenSource
from .client_credentials import ClientCredentials
from .device import DeviceLogin
from .device_settings import DeviceSettings
from .globus import GlobusToken
from .globus_login import GlobusLogin, GlobusLoginSettings
from .hub import HubSettings, HubToken
from .login import LoginSource
from .secrets import SecretSource, take_env_secret
from .slurm_jwt import SlurmJWT
from .static import SecretToken, jwt_expiry

__all__ = [
    "MIN_LEFT",
    "CachedToken",
    "ClientCredentials",
    "DeviceLogin",
    "DeviceSettings",
    "GlobusLogin",
    "GlobusLoginSettings",
    "GlobusToken",
    "HubSettings",
    "HubToken",
    "LoginSource",
    "SecretSource",
    "SecretToken",
    "SlurmJWT",
    "Token",
    "TokenSource",
    "jwt_expiry",
    "take_env_secret",
]
