"""Single sign-on to the Airflow UI of MWAA environments through an existing OpenID Connect provider.

An ALB authenticates the browser with the IdP (authenticate-oidc) and forwards to the authenticator Lambda,
which verifies the ALB's signed ``x-amzn-oidc-data`` JWT, looks up the user's Airflow role for the requested
environment in DynamoDB, assumes the access role for that Airflow role, and redirects with a web login token.
Modules: ``roles`` (names and ranks), ``settings`` (function configuration), ``keys`` + ``alb_jwt`` (token
verification), ``authz`` (the authorization table), ``weblogin`` (token + redirect), ``pages`` / ``alb``
(HTTP in and out), ``app`` (routing), ``handler`` (Lambda entry), ``cli`` (grant / revoke / list).
"""
