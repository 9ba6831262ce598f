"""The endpoints controller: every Service with a selector gets an Endpoints object of its name."""
