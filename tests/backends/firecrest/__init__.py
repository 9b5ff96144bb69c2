"""The firecrest kind through the upstream stack, on recorded answers."""
