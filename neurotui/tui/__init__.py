"""The Textual app. Imports core; core never imports this."""
