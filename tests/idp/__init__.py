"""Identity providers the tests run for real: nanoidp (OIDC, device flow) and a fake Globus Auth."""
