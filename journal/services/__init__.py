"""Business rules shared by the pages, the API and the command line."""
