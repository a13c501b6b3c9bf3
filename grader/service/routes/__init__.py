"""The service's routes: the JSON API, the XQueue adapter and the answer pages."""
