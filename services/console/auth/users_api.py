"""A store's console users: everyone in the store may list them (to assign conversations), its
owners (and the admin token) add and remove them. A user added here gets this store only."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.console.auth.roles import Role
from services.console.auth.users import EmailTaken, User, UserDirectory, WeakPassword
from services.console.deps import Authorized, Context, ExistingStore, OwnerOnly

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


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    role: Role = Role.AGENT
    password: Annotated[str, Field(max_length=1024)]


@router.get("")
async def store_users(store: ExistingStore, context: Context) -> list[UserView]:
    return [UserView.of(user) for user in await UserDirectory(context.db).of_store(store.id)]


@router.post("", status_code=201, dependencies=[OwnerOnly])
async def add_user(new: NewUser, store: ExistingStore, context: Context) -> UserView:
    """A new account for this store; 409 if the e-mail has one, 422 for a weak password."""
    try:
        user = await UserDirectory(context.db).create(
            new.email, new.name, new.password, new.role, [store.id]
        )
    except WeakPassword as weak:
        detail = [{"loc": ["body", "password"], "msg": str(weak), "type": "weak_password"}]
        raise HTTPException(status_code=422, detail=detail) from None
    except EmailTaken:
        raise HTTPException(status_code=409, detail="this e-mail already has an account") from None
    return UserView.of(user)


@router.delete("/{user_id}", status_code=204, dependencies=[OwnerOnly])
async def remove_user(
    user_id: str, store: ExistingStore, context: Context, caller: Authorized
) -> Response:
    """Take the store from the user (the account stays for their other stores)."""
    if caller.user is not None and caller.user.id == user_id:
        raise HTTPException(status_code=409, detail="you cannot remove yourself")
    if not await UserDirectory(context.db).revoke(user_id, store.id):
        raise HTTPException(status_code=404, detail="no such user in this store")
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
