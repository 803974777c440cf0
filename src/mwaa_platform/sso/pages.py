"""Small self-contained HTML pages: every value is escaped, nothing is loaded from elsewhere."""

from __future__ import annotations

from html import escape

from mwaa_platform.sso.alb import Response

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#222}"
          "code{background:#f3f3f3;padding:.1rem .3rem}a{color:#0b63c5}")


def page(status: int, title: str, paragraphs: list[str], links: list[tuple[str, str]] | None = None) -> Response:
    """``paragraphs`` are plain text (escaped here); ``links`` are (href, label) pairs."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if links:
        body += "<ul>" + "".join(f'<li><a href="{escape(href)}">{escape(label)}</a></li>'
                                 for href, label in links) + "</ul>"
    html = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>")
    return Response(status, html).add("Content-Type", "text/html; charset=utf-8")


def not_signed_in(reason: str) -> Response:
    return page(401, "Sign-in could not be verified", [
        f"The sign-in information sent by the load balancer was not accepted ({reason}).",
        "Sign out and open the link again to sign in anew."], [("/logout", "Sign out")])


def forbidden(user: str, environment: str, granted: str | None, requested: str | None) -> Response:
    if granted and requested:
        detail = f"You may open '{environment}' as {granted} at most, not as {requested}."
        fix = f"Open it without ?role= (or with role={granted}), or ask for more:"
    else:
        detail = f"You have no Airflow role on environment '{environment}'."
        fix = "Ask a platform administrator to grant you one, for example:"
    return page(403, "Access denied", [
        f"Signed in as {user}.", detail, fix,
        f"mwaa-platform sso grant --user {user} --environment {environment} --role Viewer"],
        [("/", "Environments you can open"), ("/logout", "Sign out")])


def no_environments(user: str) -> Response:
    return page(403, "No environments", [
        f"Signed in as {user}, but no Airflow environment is granted to you or to your groups.",
        "Ask a platform administrator to grant you access (mwaa-platform sso grant ...)."],
        [("/logout", "Sign out")])


def not_found(path_segment: str) -> Response:
    return page(404, "Unknown environment", [f"There is no environment called '{path_segment}' here."],
                [("/", "Environments you can open")])


def index(user: str, entries: list[tuple[str, str, str]]) -> Response:
    """``entries``: (environment key, MWAA name, role) rows the user may open."""
    return page(200, "Airflow environments", [f"Signed in as {user}."],
                [(f"/{key}", f"{key} ({name}) as {role}") for key, name, role in entries] + [("/logout", "Sign out")])


def unavailable(environment: str, code: str) -> Response:
    return page(502, "Airflow sign-in failed", [
        f"The web login for '{environment}' could not be created ({code}). Try again in a minute;",
        "if it keeps failing, tell the platform team the time and this code."], [("/", "Back")])


def signed_out() -> Response:
    return page(200, "Signed out", ["Your load balancer session has ended."], [("/", "Sign in again")])


def bad_request(reason: str) -> Response:
    return page(400, "Bad request", [reason])


def method_not_allowed() -> Response:
    return page(405, "Method not allowed", ["Only GET is served here."]).add("Allow", "GET")
