"""The iri kind through the upstream stack, on recorded answers."""
