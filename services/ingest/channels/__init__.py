"""One route module per channel that is not Twilio (services/ingest/webhooks.py is Twilio's);
Messenger and Instagram, one webhook format, share meta_messaging.py."""
