"""One reader per file format; each turns bytes into sections for `shared.knowledge.extraction`."""
