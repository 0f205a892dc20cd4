"""Text understanding shared by retrieval, the classifier, hand-over rules and gap clustering."""
