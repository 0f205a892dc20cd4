"""/invite/{token}: where an invited person joins the store's team, without a session. A new
account chooses its name and password and is signed in; an e-mail that has an account gets the
store added and signs in as usual. Like the login form, a double-submit cookie guards the form."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.console.auth.csrf import LOGIN_CSRF_COOKIE, new_token, same, set_login_token
from services.console.auth.sessions import secure_cookies
from services.console.auth.users import UserDirectory
from services.console.deps import Context
from services.console.i18n import request_lang, t
from services.console.pages.forms import text_fields
from services.console.pages.login import start_session
from services.console.pages.templating import templates
from services.console.team import Invite, Team, TeamRefused
from services.console.validation_text import localized

router = APIRouter(prefix="/invite", include_in_schema=False)


async def _form(
    request: Request,
    context: Context,
    token: str,
    invite: Invite | None,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    has_account = invite is not None and (
        await UserDirectory(context.db).by_email(invite.email) is not None
    )
    csrf = new_token()
    response = templates.TemplateResponse(
        request,
        "invite.html",
        {
            "invite": invite,
            "has_account": has_account,
            "error": error,
            "action": f"/invite/{token}",
            "invite_csrf": csrf,
        },
        status_code=status_code,
    )
    set_login_token(response, csrf, secure_cookies(context.settings), "/invite")
    return response


@router.get("/{token}", response_class=HTMLResponse)
async def invite_page(token: str, request: Request, context: Context) -> HTMLResponse:
    try:
        invite = await Team(context.db, context.settings).invited(token)
    except TeamRefused as refused:
        error = t(f"team.refused.{refused.reason}", request_lang(request))
        return await _form(request, context, token, None, error=error, status_code=410)
    return await _form(request, context, token, invite)


@router.post("/{token}")
async def accept(token: str, request: Request, context: Context) -> Response:
    lang = request_lang(request)
    given = await text_fields(request, max_fields=5, strip=False)
    team = Team(context.db, context.settings)
    try:
        invite = await team.invited(token)
    except TeamRefused as refused:
        error = t(f"team.refused.{refused.reason}", lang)
        return await _form(request, context, token, None, error=error, status_code=410)
    if not same(given.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
        error = t("login.form_expired", lang)
        return await _form(request, context, token, invite, error=error, status_code=400)
    had_account = await UserDirectory(context.db).by_email(invite.email) is not None
    try:
        user = await team.accept(token, given.get("name", "").strip(), given.get("password", ""))
    except TeamRefused as refused:
        still = None if refused.reason.startswith("invite") else invite
        error = t(f"team.refused.{refused.reason}", lang)
        return await _form(request, context, token, still, error=error, status_code=422)
    except ValidationError as invalid:
        error = localized(invalid.errors(include_url=False)[0], lang)
        return await _form(request, context, token, invite, error=error, status_code=422)
    home = f"/stores/{invite.store_id}/inbox"
    if had_account:  # signs in with its own password
        return RedirectResponse(f"/login?next={home}", status_code=303)
    response = await start_session(context, user.id, home)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/invite")
    return response
