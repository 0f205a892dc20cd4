"""The stores' collections and their indexes."""

from pymongo import ASCENDING, DESCENDING, IndexModel

from shared.mongo import Indexes, Retention

STORES = "stores"
CLOUD_PHONE_NUMBER_ID = "whatsapp_cloud.phone_number_id"
MESSENGER_PAGE_ID = "messenger.account_id"
INSTAGRAM_ACCOUNT_ID = "instagram.account_id"
EMAIL_ADDRESS = "email.address"
BOT_SETTINGS = "bot_settings"  # per store, `version` grows on every save
BOT_SETTINGS_HISTORY = "bot_settings_history"  # every saved version, `_id` "store:version"


def indexes(retention: Retention) -> Indexes:
    return {
        STORES: [
            IndexModel("whatsapp_number", unique=True),
            IndexModel(CLOUD_PHONE_NUMBER_ID, unique=True, sparse=True),
            IndexModel(MESSENGER_PAGE_ID, unique=True, sparse=True),
            IndexModel(INSTAGRAM_ACCOUNT_ID, unique=True, sparse=True),
            IndexModel(EMAIL_ADDRESS, unique=True, sparse=True),
        ],
        BOT_SETTINGS_HISTORY: [IndexModel([("store_id", ASCENDING), ("version", DESCENDING)])],
    }
