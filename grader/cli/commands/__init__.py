"""One module per `grade` verb."""
