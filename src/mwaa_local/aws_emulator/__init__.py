"""moto in server mode plus the fixes our Terraform and Lambdas need (see ``fixes/``).

Every fix is a small module named after the gap it closes, applied at start-up by :func:`fixes.apply_all`
and covered by a test in ``tests/emulator/``.
"""
