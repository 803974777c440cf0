"""SSO end to end in headless Chromium on the embedded default (Airflow 2.10.3 of the local MWAA).

browser -> emulated ALB (authenticate-oidc, mwaa_local.sso.alb) -> local IdP login form
(mwaa_local.sso.idp) -> back to the ALB -> the real authenticator Lambda handler (in-process) ->
DynamoDB grants -> STS AssumeRole of the access role of the granted Airflow role (IAM roles with the policies
modules/sso-alb gives them) -> the local MWAA's CreateWebLoginToken, which evaluates that role's IAM policy
-> the Airflow UI of the environment, logged in with that role.

Airflow 2.10.3 rather than 3.0.6: its UI is server-rendered (the DAG list, the trigger view and the
"Access is Denied" flash are in the HTML), where 3.x's is a React app behind a JWT cookie.
Screenshots go to .state/artifacts/sso-browser/ (paths printed). Chromium and chromedriver come from
Debian (`make browser`); without them the test fails saying so, it never skips.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from mwaa_local import ports
from mwaa_local.emulator import Emulator
from mwaa_local.mwaa import mwaa_env
from mwaa_local.mwaa.launcher import LocalMwaa
from mwaa_local.postgres import Cluster
from mwaa_local.sso.alb import AlbListener, OidcAction
from mwaa_local.sso.idp import Client, IdentityProvider, User
from mwaa_platform.sso import handler as sso_handler
from mwaa_platform.sso.authz import AuthorizationTable, group_principal, user_principal
from sso.conftest import create_table

pytestmark = [pytest.mark.airflow, pytest.mark.emulator, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / ".state" / "artifacts" / "sso-browser"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
INSTALL_HINT = ("headless Chromium is needed: run `make browser` (as root: apt-get update && apt-get install -y "
                "chromium chromium-driver)")
ACCOUNT, REGION = "123456789012", "us-east-1"
ALB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/sso-local/0123456789abcdef"
CLIENT_ID, CLIENT_SECRET = "airflow-sso", "local-client-secret"
ROLES = ("Admin", "Op", "User", "Viewer")
DAG_ID = "sso_hello"
DAG = f"""
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("{DAG_ID}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False, tags=["sso"]) as dag:
    EmptyOperator(task_id="hello")
"""
USERS = {  # username -> (password, e-mail, groups); grants below
    "olga": ("olga-pw", "olga@example.com", ("platform",)),
    "alice": ("alice-pw", "alice@example.com", ("data-viewers",)),
    "mallory": ("mallory-pw", "mallory@example.com", ("contractors",)),
}


def chromium_or_fail() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (Path(p).exists() and os.access(p, os.X_OK))]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: {INSTALL_HINT}", pytrace=False)
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail("the selenium package is missing: run `make setup` (it is a dev dependency)", pytrace=False)


@dataclass
class Stack:
    alb: AlbListener
    idp: IdentityProvider
    env_name: str
    webserver: str           # 127.0.0.1:<port> of the environment's Airflow UI
    mwaa: Any                # an MWAA client with the default (administrator) credentials
    prefix: str              # of the IAM access roles: <prefix>-access-<role>


def wait_for(what: str, check: Callable[[], Any], timeout: float, interval: float = 2.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not true within {timeout}s")
        time.sleep(interval)


def make_infra(prefix: str) -> dict[str, Any]:
    ec2, iam, s3 = boto3.client("ec2"), boto3.client("iam"), boto3.client("s3")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{REGION}{az}")
               ["Subnet"]["SubnetId"] for i, az in enumerate("ab")]
    group = ec2.create_security_group(GroupName=f"{prefix}-mwaa", Description="mwaa", VpcId=vpc)["GroupId"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "airflow.amazonaws.com"}}]}
    role = iam.create_role(RoleName=f"{prefix}-exec", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    bucket = f"{prefix}-src"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key=f"dags/{DAG_ID}.py", Body=DAG.encode())
    return {"ExecutionRoleArn": role, "SourceBucketArn": f"arn:aws:s3:::{bucket}", "DagS3Path": "dags",
            "NetworkConfiguration": {"SubnetIds": subnets, "SecurityGroupIds": [group]}}


def access_roles(prefix: str, env_name: str) -> dict[str, str]:
    """One IAM role per Airflow role, allowed CreateWebLoginToken on that role only (as modules/sso-alb makes)."""
    iam = boto3.client("iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]})
    arns = {}
    for role in ROLES:
        name = f"{prefix}-access-{role.lower()}"
        arns[role] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName="web-login", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "airflow:CreateWebLoginToken",
                "Resource": f"arn:aws:airflow:{REGION}:{ACCOUNT}:role/{env_name}/{role}"}]}))
    return arns


@pytest.fixture(scope="session")
def chromium() -> None:
    """Fails (never skips) before any emulator, database or Airflow starts when the browser is missing."""
    chromium_or_fail()


@pytest.fixture(scope="module")
def stack(chromium: None, emulator: Emulator, postgres: Cluster, session_state: Path, airflow2: Any) -> Iterator[Stack]:
    service = LocalMwaa(pg_port=postgres.port, pg_root=postgres.root, emulator_env=emulator.env(REGION),
                        port=ports.free_port(), root=session_state / "mwaa-sso-browser",
                        options={"default_runtime": "none", "control_plane_delay": 0.5, "dag_sync_period": 3})
    service.start()
    prefix = f"sso{uuid.uuid4().hex[:6]}"
    env_name = f"{prefix}-airflow"
    with pytest.MonkeyPatch.context() as patch:
        for key in [k for k in os.environ if k.startswith("AWS_")]:
            patch.delenv(key)
        for key, value in {**emulator.env(REGION), **mwaa_env(service.port)}.items():
            patch.setenv(key, value)
        mwaa = boto3.client("mwaa", config=Config(retries={"mode": "standard", "max_attempts": 2}, read_timeout=300))
        idp = IdentityProvider([User(name, pw, mail, groups, name.title()) for name, (pw, mail, groups)
                                in USERS.items()], [])
        alb: AlbListener | None = None
        try:
            mwaa.create_environment(Name=env_name, AirflowVersion="2.10.3", Tags={"mwaa-local:runtime": "airflow"},
                                    **make_infra(prefix))
            table = f"{prefix}-grants"
            create_table(table)
            grants = AuthorizationTable(table, REGION)
            grants.grant(user_principal("olga@example.com"), "dev", "Op", granted_by="test")
            grants.grant(group_principal("data-viewers"), "dev", "Viewer", granted_by="test")
            for key, value in {
                "MWAA_SSO_ALB_ARN": ALB_ARN, "MWAA_SSO_TABLE": table, "MWAA_SSO_OIDC_CLIENT_ID": CLIENT_ID,
                "MWAA_SSO_ENVIRONMENTS": json.dumps({"dev": {"name": env_name, "roles": list(ROLES)}}),
                "MWAA_SSO_ACCESS_ROLES": json.dumps(access_roles(prefix, env_name)),
                "MWAA_SSO_OIDC_ISSUER": idp.issuer, "MWAA_SSO_LOGOUT_URL": idp.logout_url,
            }.items():
                patch.setenv(key, value)
            oidc = OidcAction(issuer=idp.issuer, authorization_endpoint=idp.authorization_endpoint,
                              token_endpoint=idp.token_endpoint, user_info_endpoint=idp.user_info_endpoint,
                              client_id=CLIENT_ID, client_secret=CLIENT_SECRET, jwks_uri=idp.jwks_uri)
            alb = AlbListener(sso_handler.handler, oidc, ["dev"], ALB_ARN)
            patch.setenv("MWAA_SSO_KEY_URL", alb.key_url)
            idp.clients[CLIENT_ID] = Client(CLIENT_ID, CLIENT_SECRET, (alb.redirect_uri,))
            sso_handler.build.cache_clear()  # the handler reads its configuration once per "container"
            idp.start()
            alb.start()

            deadline = time.monotonic() + 600
            while (status := mwaa.get_environment(Name=env_name)["Environment"]["Status"]) != "AVAILABLE":
                assert status == "CREATING" and time.monotonic() < deadline, f"{env_name} is {status}"
                time.sleep(2)
            # start the lazy Airflow 2 web server now: the authenticator's MWAA calls have 5 s timeouts
            webserver = mwaa.create_web_login_token(Name=env_name)["WebServerHostname"]

            def dag_parsed() -> bool:
                try:
                    answer = mwaa.invoke_rest_api(Name=env_name, Method="GET", Path=f"/dags/{DAG_ID}")
                except ClientError:
                    return False
                return bool(answer["RestApiStatusCode"] == 200)

            wait_for(f"DAG {DAG_ID} synced and parsed", dag_parsed, timeout=300)
            shutil.rmtree(ARTIFACTS, ignore_errors=True)
            ARTIFACTS.mkdir(parents=True)
            yield Stack(alb, idp, env_name, webserver, mwaa, prefix)
        finally:
            if alb is not None:
                alb.stop()
            idp.stop()
            sso_handler.build.cache_clear()
            with contextlib.suppress(ClientError):
                mwaa.delete_environment(Name=env_name)
            service.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium_or_fail()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-proxy-server",
                "--window-size=1366,900", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(180)
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver: Any, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


def wait_page(driver: Any, what: str, check: Callable[[Any], Any], timeout: float = 120) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, timeout, poll_frequency=0.5).until(check)
    except Exception:
        shot(driver, f"failed-{what.replace(' ', '-')}")
        raise AssertionError(f"{what}: not within {timeout}s; at {driver.current_url}: {driver.title}") from None


def sign_in(driver: Any, stack: Stack, username: str, path: str = "/dev", screenshot: str = "") -> None:
    """Open the ALB, get sent to the IdP's login form, sign in there."""
    from selenium.webdriver.common.by import By

    driver.get(stack.alb.url + path)
    wait_page(driver, "the IdP login form", lambda d: d.current_url.startswith(stack.idp.issuer + "/authorize")
              and d.find_elements(By.ID, "username"))
    if screenshot:
        shot(driver, screenshot)
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(USERS[username][0])
    driver.find_element(By.ID, "signin").click()


def in_airflow(stack: Stack) -> Callable[[Any], bool]:
    return lambda d: d.current_url.startswith(f"http://{stack.webserver}/home") and DAG_ID in d.page_source


def airflow_roles(stack: Stack, username: str) -> dict[str, list[str]]:
    """Airflow user -> FAB roles, of the users the SSO logins of ``username`` created (via the Admin REST API).

    MWAA names the Airflow user after the IAM identity: ``assumed-role/<access role>/<RoleSessionName>``.
    """
    users = stack.mwaa.invoke_rest_api(Name=stack.env_name, Method="GET", Path="/users",
                                       QueryParameters={"limit": 100})["RestApiResponse"]["users"]
    return {u["username"]: sorted(r["name"] for r in u["roles"]) for u in users
            if u["username"].endswith(f"/{username}@example.com")}


def access(stack: Stack, role: str, username: str) -> str:
    return f"assumed-role/{stack.prefix}-access-{role.lower()}/{username}@example.com"


def dag_runs(stack: Stack) -> list[str]:
    answer = stack.mwaa.invoke_rest_api(Name=stack.env_name, Method="GET", Path=f"/dags/{DAG_ID}/dagRuns")
    return [r["dag_run_id"] for r in answer["RestApiResponse"]["dag_runs"]]


def test_viewer_lands_in_the_dag_list_and_cannot_trigger(stack: Stack, browser: Any) -> None:
    sign_in(browser, stack, "alice", screenshot="01-idp-login-form")
    wait_page(browser, "the Airflow DAG list", in_airflow(stack))
    assert stack.idp.logins[-1] == "alice"
    shot(browser, "02-viewer-dag-list")
    # granted through the IdP group data-viewers
    assert airflow_roles(stack, "alice") == {access(stack, "Viewer", "alice"): ["Viewer"]}
    browser.get(f"http://{stack.webserver}/dags/{DAG_ID}/trigger?origin=/home")
    wait_page(browser, "Airflow's access denied message", lambda d: "Access is Denied" in d.page_source)
    shot(browser, "03-viewer-trigger-denied")
    assert dag_runs(stack) == []


def test_op_lands_in_the_dag_list_and_triggers_a_run(stack: Stack, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, stack, "olga")
    wait_page(browser, "the Airflow DAG list", in_airflow(stack))
    shot(browser, "04-op-dag-list")
    assert airflow_roles(stack, "olga") == {access(stack, "Op", "olga"): ["Op"]}
    browser.get(f"http://{stack.webserver}/dags/{DAG_ID}/trigger?origin=/home")
    trigger = "//button[normalize-space(.)='Trigger'] | //input[@type='submit' and @value='Trigger']"
    wait_page(browser, "the trigger form", lambda d: d.find_elements(By.XPATH, trigger))
    shot(browser, "05-op-trigger-form")
    browser.find_element(By.XPATH, trigger).click()
    wait_page(browser, "the trigger to be accepted", lambda d: f"Triggered {DAG_ID}" in d.page_source
              or "Access is Denied" in d.page_source)
    shot(browser, "06-op-triggered")
    assert "Access is Denied" not in browser.page_source
    assert len(dag_runs(stack)) == 1


def test_a_user_without_a_grant_gets_the_403_page(stack: Stack, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, stack, "mallory")
    wait_page(browser, "the authenticator's 403 page", lambda d: d.title == "Access denied")
    shot(browser, "07-no-grant-403")
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "Signed in as mallory@example.com" in text and "no Airflow role on environment 'dev'" in text
    assert browser.current_url == stack.alb.url + "/dev"  # the ALB answered; no redirect into Airflow


def test_logout_ends_the_load_balancer_and_idp_sessions(stack: Stack, browser: Any) -> None:
    sign_in(browser, stack, "olga")
    wait_page(browser, "the Airflow DAG list", in_airflow(stack))
    browser.get(stack.alb.url + "/")  # signed in: the index of environments, without a new IdP login
    wait_page(browser, "the environment index", lambda d: d.title == "Airflow environments")
    assert "dev" in browser.page_source and "as Op" in browser.page_source
    logins = len(stack.idp.logins)
    assert any(c["name"] == stack.alb.cookie for c in browser.get_cookies())

    browser.get(stack.alb.url + "/logout")
    wait_page(browser, "the IdP's signed-out page", lambda d: d.current_url.startswith(stack.idp.logout_url)
              and "Signed out" in d.page_source)
    shot(browser, "08-signed-out")
    assert not any(c["name"].startswith("AWSELBAuthSessionCookie") for c in browser.get_cookies())
    # the next visit starts over at the IdP's login form and signs in anew. Meanwhile the Op access role's IAM
    # policy was narrowed to Viewer: CreateWebLoginToken now gives Viewer, and the login sets it on the same user
    iam, op_role = boto3.client("iam"), f"{stack.prefix}-access-op"
    policy = iam.get_role_policy(RoleName=op_role, PolicyName="web-login")["PolicyDocument"]
    narrowed = json.loads(json.dumps(policy).replace(f"role/{stack.env_name}/Op", f"role/{stack.env_name}/Viewer"))
    iam.put_role_policy(RoleName=op_role, PolicyName="web-login", PolicyDocument=json.dumps(narrowed))
    try:
        sign_in(browser, stack, "olga", screenshot="09-login-again-after-logout")
        wait_page(browser, "the Airflow DAG list", in_airflow(stack))
    finally:
        iam.put_role_policy(RoleName=op_role, PolicyName="web-login", PolicyDocument=json.dumps(policy))
    assert len(stack.idp.logins) == logins + 1
    assert airflow_roles(stack, "olga") == {access(stack, "Op", "olga"): ["Viewer"]}
    shot(browser, "10-same-user-now-viewer")
