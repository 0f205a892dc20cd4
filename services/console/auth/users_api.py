"""A store's console users: everyone in the store may list them (to assign conversations), its
owners (and the admin token) add them, change their role and remove them, by the team's rules
(services/console/team.py). A user added here gets this store only."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.console.auth.users import Role, User, UserDirectory
from services.console.deps import Authorized, ConsoleContext, Context, ExistingStore, OwnerOnly
from services.console.team import Membership, Team, TeamRefused

router = APIRouter(prefix="/stores/{store_id}/users", tags=["users"])
me_router = APIRouter(tags=["users"])


class UserView(BaseModel):
    id: str
    email: str
    name: str
    role: Role
    disabled: bool

    @classmethod
    def of(cls, user: User) -> "UserView":
        return cls(
            id=user.id, email=user.email, name=user.name, role=user.role, disabled=user.disabled
        )


class NewUser(Membership):
    password: Annotated[str, Field(max_length=1024)]


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


def _team(context: ConsoleContext) -> Team:
    return Team(context.db, context.settings)


def _refused(refused: TeamRefused) -> HTTPException:
    if refused.reason == "weak_password":
        detail = [{"loc": ["body", "password"], "msg": str(refused), "type": "weak_password"}]
        return HTTPException(status_code=422, detail=detail)
    status = {"not_member": 404, "email_taken": 409}.get(refused.reason, 409)
    return HTTPException(status_code=status, detail=str(refused))


@router.get("")
async def store_users(store: ExistingStore, context: Context) -> list[UserView]:
    return [UserView.of(user) for user in await UserDirectory(context.db).of_store(store.id)]


@router.post("", status_code=201, dependencies=[OwnerOnly])
async def add_user(
    new: NewUser, store: ExistingStore, context: Context, caller: Authorized
) -> UserView:
    """A new account for this store; 409 if the e-mail has one, 422 for a weak password."""
    member = Membership(email=new.email, name=new.name, role=new.role)
    try:
        user = await _team(context).add(caller.actor, [store.id], member, new.password)
    except TeamRefused as refused:
        raise _refused(refused) from None
    return UserView.of(user)


@router.patch("/{user_id}", dependencies=[OwnerOnly])
async def change_role(
    user_id: str, change: RoleChange, store: ExistingStore, context: Context, caller: Authorized
) -> Response:
    try:
        await _team(context).change_role(caller.actor, store.id, user_id, change.role)
    except TeamRefused as refused:
        raise _refused(refused) from None
    return Response(status_code=204)


@router.delete("/{user_id}", status_code=204, dependencies=[OwnerOnly])
async def remove_user(
    user_id: str, store: ExistingStore, context: Context, caller: Authorized
) -> Response:
    """Take the store from the user (the account stays for their other stores)."""
    try:
        await _team(context).remove(caller.actor, store.id, user_id)
    except TeamRefused as refused:
        raise _refused(refused) from None
    return Response(status_code=204)


class Me(BaseModel):
    user: UserView
    store_ids: list[str]
    csrf_token: str  # for scripts in the page: send it as X-CSRF-Token on unsafe calls


@me_router.get("/me")
async def me(caller: Authorized, request: Request) -> Me:
    """The signed-in user; the admin token is nobody (404)."""
    if caller.user is None:
        raise HTTPException(status_code=404, detail="the admin token is not a console user")
    token: str = request.state.csrf_token
    return Me(user=UserView.of(caller.user), store_ids=caller.user.store_ids, csrf_token=token)
