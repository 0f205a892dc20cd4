"""`balas run` in development seeds the demo store and says whether the console has a user yet,
against the session's MongoDB."""

from balas.supervisor import _prepare_development
from services.console.auth.users import Role, UserDirectory
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.collections import STORES


async def test_a_first_run_knows_there_is_no_console_user_until_the_owner_exists(
    settings: Settings, db: Database
) -> None:
    before = await _prepare_development(settings)
    await UserDirectory(db).create(
        "budi@toko.example", "Budi", "kopi-susu-gula-aren-42", Role.OWNER, [settings.demo.store_id]
    )
    after = await _prepare_development(settings)

    assert (before, after) == (False, True)
    assert await db[STORES].find_one({"_id": settings.demo.store_id}) is not None
