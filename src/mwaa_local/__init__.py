"""The embedded default: local AWS emulator and local MWAA. Never imported by production code paths."""
