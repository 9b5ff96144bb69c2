"""The firecrest facility kind against the FirecREST v2 and v1 doubles."""
