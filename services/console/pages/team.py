"""The store's team, for its owners: members with their role and whether they are online,
invites by a one-time link (there is no mail server: the owner copies it), role changes and
removals, and the audit log's newest entries. The rules are the team's (services/console/team.py),
the same as `balas console add-user` and the users API."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.console.audit import Actor, AuditLog
from services.console.auth.deps import CurrentUser, OwnerOnly, StoreAccess
from services.console.auth.users import Role, User, UserDirectory
from services.console.deps import Context
from services.console.i18n import request_lang, t
from services.console.pages.forms import text_fields
from services.console.pages.inbox_views import date_time
from services.console.pages.templating import render_page
from services.console.team import Invitation, Issued, Team, TeamRefused
from services.console.validation_text import localized
from shared.stores.directory import Store

router = APIRouter(prefix="/stores/{store_id}/team", dependencies=[OwnerOnly])


def _actor(user: User) -> Actor:
    return Actor(user.id, user.email)


async def _page(
    request: Request,
    context: Context,
    user: User,
    store: Store,
    *,
    issued: Issued | None = None,
    issued_email: str | None = None,
    problem: str | None = None,
    given: dict[str, str] | None = None,
) -> HTMLResponse:
    team = Team(context.db, context.settings)
    members = await UserDirectory(context.db).of_store(store.id)
    invite_url = None
    if issued is not None:
        invite_url = f"{context.settings.console.public_url.rstrip('/')}/invite/{issued.token}"
    return await render_page(
        request,
        context.db,
        "team.html",
        user=user,
        store_id=store.id,
        active="team",
        values={
            "members": members,
            "online": await team.online([member.id for member in members]),
            "invites": await team.pending(store.id),
            "audit": await AuditLog(context.db).newest(store.id),
            "roles": [role.value for role in Role],
            "invite_url": invite_url,
            "issued": issued,
            "problem": problem,
            "given": given or {},
            "issued_email": issued_email,
            "invite_hours": context.settings.console.invite_hours,
            "local": lambda moment: date_time(moment, store.timezone),
        },
        status_code=422 if problem else 200,
    )


@router.get("", response_class=HTMLResponse)
async def team_page(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    return await _page(request, context, user, store)


def _refusal(request: Request, refused: TeamRefused) -> str:
    return t(f"team.refused.{refused.reason}", request_lang(request))


def _back(store: Store) -> Response:
    return RedirectResponse(f"/stores/{store.id}/team", status_code=303)


@router.post("/invites", response_class=HTMLResponse)
async def invite(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    """A one-time invite link, shown once on the page for the owner to copy."""
    given = await text_fields(request, max_fields=6)
    try:
        invitation = Invitation(email=given.get("email", ""), role=given.get("role", "agent"))
        issued = await Team(context.db, context.settings).invite(_actor(user), store.id, invitation)
    except ValidationError as invalid:
        problem = localized(invalid.errors(include_url=False)[0], request_lang(request))
        return await _page(request, context, user, store, problem=problem, given=given)
    except TeamRefused as refused:
        problem = _refusal(request, refused)
        return await _page(request, context, user, store, problem=problem, given=given)
    return await _page(request, context, user, store, issued=issued, issued_email=invitation.email)


@router.post("/invites/{invite_id}/revoke")
async def revoke_invite(
    invite_id: str, request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> Response:
    try:
        await Team(context.db, context.settings).revoke_invite(_actor(user), store.id, invite_id)
    except TeamRefused as refused:
        return await _page(request, context, user, store, problem=_refusal(request, refused))
    return _back(store)


@router.post("/{member_id}/role")
async def change_role(
    member_id: str, request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> Response:
    given = await text_fields(request, max_fields=6)
    try:
        role = Role(given.get("role", ""))
        await Team(context.db, context.settings).change_role(
            _actor(user), store.id, member_id, role
        )
    except ValueError:
        return await _page(
            request, context, user, store, problem=t("team.refused.role", request_lang(request))
        )
    except TeamRefused as refused:
        return await _page(request, context, user, store, problem=_refusal(request, refused))
    return _back(store)


@router.post("/{member_id}/remove")
async def remove(
    member_id: str, request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> Response:
    try:
        await Team(context.db, context.settings).remove(_actor(user), store.id, member_id)
    except TeamRefused as refused:
        return await _page(request, context, user, store, problem=_refusal(request, refused))
    return _back(store)
