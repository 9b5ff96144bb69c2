"""The iri facility kind (ALCF) against the IRI double."""
