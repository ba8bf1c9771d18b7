"""Reference target: a Flask view returning "Hello"; page ratios are measured against it."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """The cheapest page Flask can serve."""
    return "Hello"
