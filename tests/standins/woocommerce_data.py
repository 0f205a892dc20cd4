"""Realistic WooCommerce `wc/v3` resources and webhook deliveries, for every test tier.

The JSON follows what WooCommerce sends (fields Balas ignores included); deliveries are signed
the way WooCommerce signs them: base64 of HMAC-SHA256 of the raw body with the webhook secret.
"""

import base64
import hashlib
import hmac
import json
import uuid
from typing import Any

from tests.standins.dates import DAY, day


def wc_signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def order(order_id: int = 727, modified: str = f"{DAY}T10:15:00", **fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": order_id,
        "parent_id": 0,
        "number": str(order_id),
        "order_key": "wc_order_58d2d042d1d",
        "created_via": "checkout",
        "version": "8.9.1",
        "status": "processing",
        "currency": "IDR",
        "date_created": f"{DAY}T17:02:00",
        "date_created_gmt": f"{DAY}T10:02:00",
        "date_modified": f"{DAY}T17:15:00",
        "date_modified_gmt": modified,
        "discount_total": "0.00",
        "shipping_total": "15000.00",
        "total": "265000.00",
        "total_tax": "0.00",
        "prices_include_tax": False,
        "customer_id": 25,
        "customer_note": "",
        "billing": {
            "first_name": "Budi",
            "last_name": "Santoso",
            "company": "",
            "address_1": "Jl. Malioboro 12",
            "city": "Yogyakarta",
            "postcode": "55213",
            "country": "ID",
            "email": "budi@example.com",
            "phone": "+6281234567890",
        },
        "shipping": {
            "first_name": "Budi",
            "last_name": "Santoso",
            "company": "",
            "address_1": "Jl. Malioboro 12",
            "address_2": "",
            "city": "Yogyakarta",
            "state": "YO",
            "postcode": "55213",
            "country": "ID",
            "phone": "",
        },
        "payment_method": "bacs",
        "payment_method_title": "Transfer bank",
        "transaction_id": "",
        "date_paid": f"{DAY}T17:10:00",
        "date_paid_gmt": f"{DAY}T10:10:00",
        "date_completed": None,
        "date_completed_gmt": None,
        "line_items": [
            {
                "id": 315,
                "name": "Batik Tulis Parang - L",
                "product_id": 93,
                "variation_id": 0,
                "quantity": 2,
                "subtotal": "250000.00",
                "total": "250000.00",
                "sku": "BTK-PRG-L",
                "price": 125000,
                "meta_data": [],
            }
        ],
        "shipping_lines": [],
        "meta_data": [],
        "payment_url": f"https://toko.example/checkout/order-pay/{order_id}/"
        "?pay_for_order=true&key=wc_order_58d2d042d1d",
        "_links": {"self": [{"href": f"https://toko.example/wp-json/wc/v3/orders/{order_id}"}]},
    }
    document.update(fields)
    return document


def customer(customer_id: int = 25, modified: str = f"{DAY}T09:00:00") -> dict[str, Any]:
    return {
        "id": customer_id,
        "date_created_gmt": f"{day(-125)}T03:04:05",
        "date_modified_gmt": modified,
        "email": "budi@example.com",
        "first_name": "Budi",
        "last_name": "Santoso",
        "role": "customer",
        "username": "budi",
        "billing": {"first_name": "Budi", "phone": "+6281234567890", "country": "ID"},
        "shipping": {},
        "is_paying_customer": True,
        "avatar_url": "https://secure.gravatar.com/avatar/x",
        "meta_data": [],
    }


def product(product_id: int = 93, modified: str = f"{DAY}T08:00:00") -> dict[str, Any]:
    return {
        "id": product_id,
        "name": "Batik Tulis Parang",
        "slug": "batik-tulis-parang",
        "permalink": "https://toko.example/produk/batik-tulis-parang/",
        "date_created_gmt": f"{day(-66)}T00:00:00",
        "date_modified_gmt": modified,
        "type": "simple",
        "status": "publish",
        "catalog_visibility": "visible",
        "sku": "BTK-PRG",
        "price": "125000",
        "regular_price": "150000",
        "sale_price": "125000",
        "on_sale": True,
        "stock_quantity": 7,
        "stock_status": "instock",
        "categories": [{"id": 9, "name": "Batik"}],
        "images": [
            {"id": 301, "src": "https://toko.example/wp-content/uploads/batik-parang.jpg"},
            {"id": 302, "src": "https://toko.example/wp-content/uploads/batik-parang-2.jpg"},
        ],
    }


def delivery_headers(
    topic: str, body: bytes, secret: str | None, webhook_id: int = 12
) -> dict[str, str]:
    """The headers of one delivery; every delivery gets a new delivery id, as WooCommerce does."""
    resource, _, event = topic.partition(".")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)",
        "X-WC-Webhook-Source": "https://toko.example/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-ID": str(webhook_id),
        "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
    }
    if secret is not None:
        headers["X-WC-Webhook-Signature"] = wc_signature(secret, body)
    return headers


def body_of(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()
