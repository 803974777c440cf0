"""Repository tooling run by the Makefile gates (not used at run time by the platform)."""
