"""The browser side of SSO on the embedded default: an emulated ALB listener with authenticate-oidc
(:mod:`.alb`) in front of the authenticator Lambda, and a small OpenID Connect identity provider (:mod:`.idp`),
each on its own loopback port (:mod:`.server`). Emulation only: production never imports this package.
"""
