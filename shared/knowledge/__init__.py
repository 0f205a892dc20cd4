"""Store knowledge: documents admins upload, their extraction, chunks, embeddings and retrieval."""
