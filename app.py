"""The WSGI application and the `flask --app app ...` commands: the web faces with the `tthc` command line."""
from engine.cli import register
from engine.web import create_app

app = create_app()
register(app)
