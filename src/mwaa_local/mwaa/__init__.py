"""Local MWAA: the Amazon MWAA API on loopback, backed by real Airflow environments (emulation only).

Production code paths (Lambdas, modules, the failover steps) never import this package; they reach it the
way they reach real MWAA, through boto3 / the Terraform provider, routed here by :func:`mwaa_env`.
See README.md in this directory for the routing mechanism, the operations and the local-only knobs.
"""

from __future__ import annotations

# Placeholder endpoint host: `.invalid` never resolves, so nothing can leak to a real network. The SDKs
# prepend the MWAA host prefixes (api., env., ops.) and send absolute-URI requests to the HTTP proxy.
PLACEHOLDER_HOST = "mwaa.emulator.invalid"
DEFAULT_PORT = 4580
LOOPBACK_NO_PROXY = "127.0.0.1,localhost"


def mwaa_env(port: int) -> dict[str, str]:
    """Exactly the environment variables a client (boto3, Terraform) needs to reach the local MWAA on ``port``.

    Merge them over the emulator's variables (``Emulator.env()``): the emulator's own endpoint stays
    direct (loopback is excluded from proxying), only the MWAA hosts go through the proxy.
    """
    proxy = f"http://127.0.0.1:{port}"
    return {
        "AWS_ENDPOINT_URL_MWAA": f"http://{PLACEHOLDER_HOST}",
        "HTTP_PROXY": proxy,
        "http_proxy": proxy,
        "NO_PROXY": LOOPBACK_NO_PROXY,
        "no_proxy": LOOPBACK_NO_PROXY,
    }


# Variables the local MWAA strips from the processes it starts (Airflow must not proxy through us).
CLIENT_ONLY_VARIABLES = ("AWS_ENDPOINT_URL_MWAA", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                         "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy")
