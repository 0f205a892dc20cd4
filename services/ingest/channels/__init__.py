"""One route module per channel that is not Twilio (services/ingest/webhooks.py is Twilio's)."""
