"""FirecREST v1, for deployments that still run it: pyfirecrest's v1 client."""
